using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using BlueTokens.Core.Caching;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.Health;

/// <summary>
/// Asks Table Storage and Redis, each with a short timeout, at the same time. Health is anonymous and each probe
/// costs about ten Redis commands and a table query, so callers share one: a report is answered for
/// <see cref="ReportLifetime"/> after its probe ends, and calls that come while a probe runs wait for that one.
/// </summary>
internal partial class HealthService(TableServiceClient tables, TokenCache cache, TimeProvider time, ILogger<HealthService> logger)
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Fixed, not a setting: a monitor polling every few seconds still sees each change at its next poll, and a flood
    /// of calls costs an instance at most one probe per two seconds. Nothing about a deployment makes it differ.
    /// </summary>
    public static readonly TimeSpan ReportLifetime = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Task<Probed>? _latest;

    public virtual async Task<HealthReport> CheckAsync(CancellationToken cancellationToken = default)
    {
        Task<Probed> latest;
        lock (_gate)
        {
            if (_latest is null
                || (_latest.IsCompleted && (!_latest.IsCompletedSuccessfully || time.GetElapsedTime(_latest.Result.EndedAt) >= ReportLifetime)))
            {
                // Not the caller's token: the probe is shared, and one caller that gives up must not end it for the rest.
                _latest = ProbeAsync();
            }

            latest = _latest;
        }

        return (await latest.WaitAsync(cancellationToken)).Report;
    }

    private async Task<Probed> ProbeAsync()
    {
        Task<DependencyHealth> table = RunAsync("tableStorage", CheckTableStorageAsync);
        Task<DependencyHealth> cache = RunAsync("redis", CheckRedisAsync);
        await Task.WhenAll(table, cache);
        var report = new HealthReport(new Dictionary<string, DependencyHealth>
        {
            ["tableStorage"] = table.Result,
            ["redis"] = cache.Result,
        });
        return new Probed(report, time.GetTimestamp());
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

    /// <summary>One check, bounded by <see cref="CheckTimeout"/>; it never throws, so a shared probe never faults.</summary>
    private async Task<DependencyHealth> RunAsync(string name, Func<CancellationToken, Task> check)
    {
        long started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(CheckTimeout);
        string? error = null;
        try
        {
            await check(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            error = $"no answer within {CheckTimeout.TotalMilliseconds:0} ms";
        }
        catch (Exception e)
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

    /// <summary>A report and when its probe ended (a <see cref="TimeProvider"/> timestamp).</summary>
    private sealed record Probed(HealthReport Report, long EndedAt);
}
