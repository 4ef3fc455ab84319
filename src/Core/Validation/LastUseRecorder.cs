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
    private readonly ConcurrentDictionary<(string TenantId, string ClientId), LastUse> _uses = new();

    /// <summary>
    /// On every valid answer. A client already noted costs one lookup and one compare-and-swap, no lock: the
    /// dictionary's update methods take a bucket lock, which every validate of a busy client would contend for.
    /// </summary>
    public void Record(string tenantId, string clientId, DateTimeOffset at)
    {
        (string, string) key = (tenantId, clientId);
        while (true)
        {
            LastUse use = _uses.GetOrAdd(key, static _ => new LastUse()); // a lock-free read when the cell exists
            if (use.Advance(at.UtcTicks))
            {
                return;
            }

            // A flush retired this cell while we held it: take it out (if it is still listed) and note in a new one.
            _uses.TryRemove(new KeyValuePair<(string, string), LastUse>(key, use));
        }
    }

    /// <summary>
    /// Writes every noted use, grouped by tenant into transactions of up to 100 rows (the entity group limit), so
    /// that a flush costs one request per hundred active clients rather than one per client. Returns how many
    /// client rows were written. A client with no use since the last flush is forgotten (its row is current): its
    /// cell is retired first, so that a use noted in it at that moment goes to a new cell instead of being lost.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var taken = new List<(string TenantId, string ClientId, DateTimeOffset At)>();
        foreach (((string TenantId, string ClientId) key, LastUse use) in _uses)
        {
            long ticks = use.Take();
            if (ticks != 0)
            {
                taken.Add((key.TenantId, key.ClientId, new DateTimeOffset(ticks, TimeSpan.Zero)));
            }
            else if (use.TryRetire())
            {
                _uses.TryRemove(new KeyValuePair<(string, string), LastUse>(key, use));
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

/// <summary>
/// The latest use of one client not yet written: UTC ticks, 0 for none, or retired (a flush found it empty and is
/// removing it: nothing more may be noted in it).
/// </summary>
internal sealed class LastUse
{
    private const long Retired = -1;

    private long _ticks;

    /// <summary>Moves the noted time forward to <paramref name="ticks"/>, never back; false when the cell is retired.</summary>
    public bool Advance(long ticks)
    {
        long seen = Volatile.Read(ref _ticks);
        while (seen != Retired)
        {
            if (ticks <= seen)
            {
                return true;
            }

            long found = Interlocked.CompareExchange(ref _ticks, ticks, seen);
            if (found == seen)
            {
                return true;
            }

            seen = found;
        }

        return false;
    }

    /// <summary>The noted time, leaving none; 0 when there is none.</summary>
    public long Take()
    {
        long seen = Volatile.Read(ref _ticks);
        while (seen > 0)
        {
            long found = Interlocked.CompareExchange(ref _ticks, 0, seen);
            if (found == seen)
            {
                return seen;
            }

            seen = found;
        }

        return 0;
    }

    /// <summary>Retires an empty cell; false when a use was noted in it meanwhile (it stays, for the next flush).</summary>
    public bool TryRetire() => Interlocked.CompareExchange(ref _ticks, Retired, 0) == 0;
}
