using BlueTokens.Core.Validation;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Holds the cache fill of one token hash (after its table read, before its cache write) until released, and says
/// when a validate has reached it: the seam of the cache-aside race, held on purpose.
/// </summary>
public sealed class FillGate : IValidationObserver
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _reached;
    private string? _hash;

    public Task HoldNextAsync(string tokenHash)
    {
        _hash = tokenHash;
        _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _reached.Task;
    }

    public void ReleaseAll() => _release.TrySetResult();

    public async ValueTask BeforeFillAsync(string tokenHash, CancellationToken cancellationToken)
    {
        if (tokenHash == _hash && _reached is not null)
        {
            _reached.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
        }
    }
}
