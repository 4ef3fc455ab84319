namespace BlueTokens.Core.Storage;

/// <summary>
/// What must be done once per process before a table or a queue is used: creating it (and, for some, a first row).
/// The work is started once and the same completed task is handed out ever after (no round trip, no allocation); a
/// failed attempt is started again by the next caller.
/// </summary>
internal sealed class CreateOnce
{
    private Task? _created;

    /// <param name="state">What <paramref name="create"/> works on, passed in so that a static lambda serves (no closure per call).</param>
    public Task EnsureAsync<TState>(TState state, Func<TState, CancellationToken, Task> create, CancellationToken cancellationToken)
    {
        Task? created = _created;
        if (created is { IsCompletedSuccessfully: true })
        {
            return created;
        }

        created = create(state, cancellationToken);
        _created = created;
        return created;
    }
}
