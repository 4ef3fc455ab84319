using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using BlueTokens.Core.Caching;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.Health;

/// <summary>Asks Table Storage and Redis, each with a short timeout, at the same time.</summary>
internal partial class HealthService(TableServiceClient tables, TokenCache cache, TimeProvider time, ILogger<HealthService> logger)
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public virtual async Task<HealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        Task<DependencyHealth> table = RunAsync("tableStorage", CheckTableStorageAsync, cancellationToken);
        Task<DependencyHealth> cache = RunAsync("redis", CheckRedisAsync, cancellationToken);
        await Task.WhenAll(table, cache);
        return new HealthReport(new Dictionary<string, DependencyHealth>
        {
            ["tableStorage"] = table.Result,
            ["redis"] = cache.Result,
        });
    }

    private async Task CheckTableStorageAsync(CancellationToken cancellationToken)
    {
        await foreach (Page<TableItem> _ in tables.QueryAsync(maxPerPage: 1, cancellationToken: cancellationToken).AsPages())
        {
            break;
        }
    }

    // Not PING: a Redis that answers but cannot run the service's commands (a cluster refusing them) is unhealthy.
    private Task CheckRedisAsync(CancellationToken cancellationToken) => cache.ProbeAsync(cancellationToken);

    private async Task<DependencyHealth> RunAsync(string name, Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        string? error = null;
        try
        {
            await check(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"no answer within {CheckTimeout.TotalMilliseconds:0} ms";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error = $"unreachable ({e.GetType().Name})";
        }

        long elapsed = (long)time.GetElapsedTime(started).TotalMilliseconds;
        if (error is not null)
        {
            LogCheckFailed(logger, name, elapsed, error);
        }

        return new DependencyHealth(error is null, elapsed, error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health check {Dependency} failed after {ElapsedMs} ms: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string dependency, long elapsedMs, string error);
}
