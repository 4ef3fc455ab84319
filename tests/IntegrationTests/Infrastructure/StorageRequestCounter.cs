using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Counts every request the service sends to Table Storage (an Azure SDK pipeline policy, per retry: each one
/// is a round trip). Installed by replacing the service's TableServiceClient in a test host.
/// </summary>
public sealed class StorageRequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();

    public IReadOnlyList<string> Requests => [.. _requests];

    public int Count => _requests.Count;

    public void Reset() => _requests.Clear();

    public TableServiceClient CreateClient(string connectionString)
    {
        var options = new TableClientOptions();
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return new TableServiceClient(connectionString, options);
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        _requests.Enqueue($"{message.Request.Method} {message.Request.Uri.Path}");
    }
}
