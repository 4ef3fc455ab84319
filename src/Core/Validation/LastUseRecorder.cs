using System.Collections.Concurrent;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Validation;

/// <summary>
/// Records when each client last validated, without the validate path waiting on any store: a use is noted in
/// memory (no I/O, so the hot path stays one Redis read) and written to the client's row every
/// Validate__LastUseFlushInterval (30 s), so that <c>lastUsedAt</c> is at most a minute old. A use noted by an
/// instance that stops before its next flush is lost, which costs a few seconds of last-use precision, never
/// correctness.
/// </summary>
internal sealed partial class LastUseRecorder(ClientStore store, IOptions<ValidateOptions> options, ILogger<LastUseRecorder> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<(string TenantId, string ClientId), DateTimeOffset> _uses = new();

    // On every valid answer: the static lambdas with the time as argument keep it free of a closure allocation.
    public void Record(string tenantId, string clientId, DateTimeOffset at) =>
        _uses.AddOrUpdate((tenantId, clientId), static (_, now) => now, static (_, earlier, now) => now > earlier ? now : earlier, at);

    /// <summary>
    /// Writes every noted use, grouped by tenant into transactions of up to 100 rows (the entity group limit), so
    /// that a flush costs one request per hundred active clients rather than one per client. Returns how many
    /// client rows were written.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var taken = new List<(string TenantId, string ClientId, DateTimeOffset At)>();
        foreach ((string TenantId, string ClientId) key in _uses.Keys)
        {
            if (_uses.TryRemove(key, out DateTimeOffset at))
            {
                taken.Add((key.TenantId, key.ClientId, at));
            }
        }

        int written = 0;
        foreach (var chunk in taken.GroupBy(use => use.TenantId).SelectMany(tenant => tenant.Chunk(100)))
        {
            try
            {
                written += await store.SetLastUsedAsync(chunk[0].TenantId, chunk.Select(use => (use.ClientId, use.At)).ToList(), cancellationToken);
            }
            catch (Azure.RequestFailedException e)
            {
                foreach (var use in chunk)
                {
                    Record(use.TenantId, use.ClientId, use.At); // kept for the next flush
                }

                LogFlushFailed(logger, e.Status);
            }
        }

        return written;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.LastUseFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await FlushAsync(CancellationToken.None); // what is noted is written on a graceful stop
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing last-use times failed (status {Status}); kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, int status);
}
