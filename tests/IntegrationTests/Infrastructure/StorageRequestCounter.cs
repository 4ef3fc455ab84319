using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Counts the requests the service sends to Table Storage (an Azure SDK pipeline policy, per retry: each one is
/// a round trip) on behalf of the test's own calls: only inside <see cref="Measure"/>, so that background work
/// (last-use flushes, outbox sends, replay sweeps) is not counted. The test server must preserve the execution
/// context (<c>TestServer.PreserveExecutionContext</c>) for the scope to flow into the request.
/// </summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private static readonly AsyncLocal<bool> Measuring = new();
    private readonly ConcurrentQueue<string> _requests = new();

    /// <summary>Counts from now until the returned scope is disposed, in this async flow only.</summary>
    public IDisposable Measure()
    {
        _requests.Clear();
        Measuring.Value = true;
        return new Scope();
    }

    public IReadOnlyList<string> Requests => [.. _requests];

    public int Count => _requests.Count;


    public TableServiceClient CreateClient(string connectionString)
    {
        var options = new TableClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return new TableServiceClient(connectionString, options);
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        if (Measuring.Value)
        {
            _requests.Enqueue($"{message.Request.Method} {message.Request.Uri.Path}");
        }
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => Measuring.Value = false;
    }
}
