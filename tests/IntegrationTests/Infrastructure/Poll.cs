using System.Diagnostics;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>Waits for a condition that the system reaches on its own (replication, reconnection), by asking again.</summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <param name="what">What should become true, for the timeout's message.</param>
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds} s: {what}.");
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }
}
