using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.IntegrationTests.LocalHost;

/// <summary>
/// A timer function that exists only in the tests, so that LocalHost's handling of non-HTTP functions is proven
/// without depending on which timers the product has yet.
/// </summary>
public sealed class ProbeTimer
{
    public static readonly ConcurrentQueue<TimerInfo> Runs = new();

    [Function(nameof(ProbeTimer))]
    public Task RunAsync([TimerTrigger("%Probe__Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        Runs.Enqueue(timer);
        return Task.CompletedTask;
    }
}

/// <summary>
/// An HTTP function that fails with an exception it does not handle, as it is called (<c>sync</c>: the invoker
/// sees it thrown) or after an await (<c>async</c>: a faulted task), with a message a caller must never see.
/// </summary>
public sealed class ProbeThrows
{
    public const string Secret = "probe-internal-detail-5c1e";

    [Function(nameof(ProbeThrows))]
    public static Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "probe/throws/{mode}")] HttpRequest request,
        string mode) =>
        mode == "async" ? FailAfterAnAwaitAsync() : throw Failure();

    private static async Task<IResult> FailAfterAnAwaitAsync()
    {
        await Task.Yield();
        throw Failure();
    }

    private static InvalidOperationException Failure() => new($"The probe failed inside: {Secret}");
}
