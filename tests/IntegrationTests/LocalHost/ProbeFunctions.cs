using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.IntegrationTests.LocalHost;

/// <summary>
/// A timer function that exists only in the tests, so that LocalHost's handling of non-HTTP functions is proven
/// without depending on which timers the product has yet.
/// </summary>
public sealed class ProbeTimer
{
    public static readonly System.Collections.Concurrent.ConcurrentQueue<TimerInfo> Runs = new();

    [Function(nameof(ProbeTimer))]
    public Task RunAsync([TimerTrigger("%Probe__Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        Runs.Enqueue(timer);
        return Task.CompletedTask;
    }
}
