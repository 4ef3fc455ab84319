using System.Security.Cryptography;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.Usage;

/// <summary>Counts taken from the validate path by one flush, for one client and one UTC day.</summary>
internal readonly record struct UsageCount(string TenantId, string ClientId, DateOnly Day, long Valid, long Refused);

/// <summary>
/// This instance's running totals of its usage rows (<see cref="UsageStore"/>): a flush adds what it took to them and
/// writes every total that changed. The instance is the only writer of its rows (its id is drawn per process), so a
/// total in memory is the row's value, and writing it whole loses nothing and may be repeated. A total whose write
/// failed stays marked and is written by the next flush; a row is indexed for retention before it is first written.
/// Totals of days before yesterday are forgotten once written; a late count for one reads the row back first.
/// </summary>
internal sealed partial class UsageLedger(UsageStore store, TimeProvider time, ILogger<UsageLedger> logger) : IDisposable
{
    private const int TransactionLimit = 100;

    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Dictionary<(string TenantId, string ClientId, DateOnly Day), Total> _totals = [];

    /// <summary>This instance's name in its row keys: random, so that no two processes ever share a row.</summary>
    public string Instance { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// Adds <paramref name="counts"/> to the totals and writes every total not yet written: one transaction per
    /// hundred rows of a tenant (and, for rows new today, one per hundred index entries of a day). Flushes run one at
    /// a time. Returns how many rows were written.
    /// </summary>
    public async Task<int> WriteAsync(IReadOnlyList<UsageCount> counts, CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            DateOnly yesterday = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1);
            foreach (UsageCount count in counts)
            {
                var key = (count.TenantId, count.ClientId, count.Day);
                if (!_totals.TryGetValue(key, out Total? total))
                {
                    // A day before yesterday may have been written and forgotten: its row is read back before it is
                    // written again. Yesterday and today are held from their first count, so they are new rows.
                    total = new Total { Known = count.Day >= yesterday };
                    _totals[key] = total;
                }

                total.Valid += count.Valid;
                total.Refused += count.Refused;
                total.Dirty = true;
            }

            await ReadBackAsync(cancellationToken);
            await IndexAsync(cancellationToken);
            int written = await WriteTotalsAsync(cancellationToken);
            foreach (var key in _totals.Where(pair => !pair.Value.Dirty && pair.Key.Day < yesterday).Select(pair => pair.Key).ToList())
            {
                _totals.Remove(key);
            }

            return written;
        }
        finally
        {
            _writing.Release();
        }
    }

    public void Dispose() => _writing.Dispose();

    private async Task ReadBackAsync(CancellationToken cancellationToken)
    {
        foreach (((string tenantId, string clientId, DateOnly day), Total total) in _totals.Where(pair => !pair.Value.Known))
        {
            try
            {
                UsageRow? row = await store.GetAsync(tenantId, clientId, day, Instance, cancellationToken);
                total.Valid += row?.Valid ?? 0;
                total.Refused += row?.Refused ?? 0;
                total.Indexed = row is not null;
                total.Known = true;
            }
            catch (Azure.RequestFailedException e)
            {
                LogWriteFailed(logger, "read back", e.Status);
            }
        }
    }

    private async Task IndexAsync(CancellationToken cancellationToken)
    {
        var due = _totals.Where(pair => pair.Value is { Dirty: true, Known: true, Indexed: false }).ToList();
        foreach (var chunk in due.GroupBy(pair => pair.Key.Day).SelectMany(day => day.Chunk(TransactionLimit)))
        {
            try
            {
                await store.IndexAsync(chunk[0].Key.Day, chunk.Select(pair => new UsageRowId(pair.Key.TenantId, pair.Key.ClientId, pair.Key.Day, Instance)).ToList(), cancellationToken);
                foreach (var pair in chunk)
                {
                    pair.Value.Indexed = true;
                }
            }
            catch (Azure.RequestFailedException e)
            {
                LogWriteFailed(logger, "index", e.Status);
            }
        }
    }

    private async Task<int> WriteTotalsAsync(CancellationToken cancellationToken)
    {
        int written = 0;
        var due = _totals.Where(pair => pair.Value is { Dirty: true, Known: true, Indexed: true }).ToList();
        foreach (var chunk in due.GroupBy(pair => pair.Key.TenantId).SelectMany(tenant => tenant.Chunk(TransactionLimit)))
        {
            try
            {
                await store.WriteAsync(chunk[0].Key.TenantId, chunk.Select(pair =>
                    new UsageRow(pair.Key.TenantId, pair.Key.ClientId, pair.Key.Day, Instance, pair.Value.Valid, pair.Value.Refused)).ToList(), cancellationToken);
                foreach (var pair in chunk)
                {
                    pair.Value.Dirty = false;
                }

                written += chunk.Length;
            }
            catch (Azure.RequestFailedException e)
            {
                LogWriteFailed(logger, "write", e.Status);
            }
        }

        return written;
    }

    private sealed class Total
    {
        public long Valid;
        public long Refused;

        /// <summary>Not yet written as it stands.</summary>
        public bool Dirty;

        /// <summary>The row's stored value is in the total (false while a forgotten row's value is still to be read back).</summary>
        public bool Known;

        /// <summary>The retention index has the row.</summary>
        public bool Indexed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Usage counts: {Step} failed (status {Status}); kept for the next flush")]
    private static partial void LogWriteFailed(ILogger logger, string step, int status);
}
