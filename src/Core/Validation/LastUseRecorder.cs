using System.Collections.Concurrent;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Usage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Validation;

/// <summary>
/// Records when each client last validated, and how many of its validations were answered valid or refused each UTC
/// day (its usage), without the validate path waiting on any store: an answer is noted in memory (no I/O, so the hot
/// path stays one Redis read) and written every Validate__LastUseFlushInterval (30 s): last use to the client's row,
/// so that <c>lastUsedAt</c> is at most a minute old, and the counts to this instance's usage rows
/// (<see cref="UsageLedger"/>). What an instance notes and cannot write before it stops is lost, which costs a few
/// seconds of last-use precision and of counts, never correctness.
/// </summary>
internal sealed partial class LastUseRecorder(ClientStore store, UsageLedger usage, IOptions<ValidateOptions> options, ILogger<LastUseRecorder> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<(string TenantId, string ClientId, int Day), ClientUse> _uses = new();

    /// <summary>
    /// On every valid answer: notes its time as the client's last use and counts it, for the UTC day of
    /// <paramref name="at"/>. A client already noted today costs one lookup, one compare-and-swap and one interlocked
    /// increment, no lock and no allocation: the dictionary's update methods take a bucket lock, which every validate
    /// of a busy client would contend for.
    /// </summary>
    public void Record(string tenantId, string clientId, DateTimeOffset at) => RecordIn(null, tenantId, clientId, at);

    /// <summary>
    /// As <see cref="Record"/>, first trying <paramref name="cell"/> (where the caller keeps the cell of its last
    /// use, as a held answer does): while that is still the client's open cell for the day of <paramref name="at"/>,
    /// the use costs no lookup at all (no hashing of two ids per hit). Returns the cell the use went into.
    /// </summary>
    public ClientUse RecordIn(ClientUse? cell, string tenantId, string clientId, DateTimeOffset at)
    {
        long ticks = at.UtcTicks;
        int day = DayOf(ticks);
        if (cell is not null && cell.Day == day && NoteValid(cell, ticks))
        {
            return cell;
        }

        return Note((tenantId, clientId, day), ticks, NoteValid);
    }

    /// <summary>
    /// Counts a validate answer about a known client as the contract counts it (API.md, Usage): valid (as
    /// <see cref="Record"/>), or refused where it is disabled, expired or network_not_allowed. Any other answer
    /// (an ended grace token, rate_limited) is not counted.
    /// </summary>
    public void Count(string tenantId, string clientId, ValidationCode code, DateTimeOffset at)
    {
        if (code == ValidationCode.Valid)
        {
            Record(tenantId, clientId, at);
            return;
        }

        if (code is not (ValidationCode.Disabled or ValidationCode.Expired or ValidationCode.NetworkNotAllowed))
        {
            return;
        }

        Note((tenantId, clientId, DayOf(at.UtcTicks)), 0, static (use, _) => use.CountRefused());
    }

    /// <summary>
    /// Writes every noted use: last uses grouped by tenant into transactions of up to 100 rows (the entity group
    /// limit), so that a flush costs one request per hundred active clients rather than one per client, then the
    /// counts (<see cref="UsageLedger.WriteAsync"/>). Returns how many client rows were written. A cell with nothing
    /// since the last flush (an idle client, or a day that is over) is sealed and forgotten: what is noted in it at
    /// that moment is either in what the seal returns or goes to a new cell, never lost.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var latest = new Dictionary<(string TenantId, string ClientId), long>();
        var counts = new List<UsageCount>();
        foreach (((string TenantId, string ClientId, int Day) key, ClientUse use) in _uses)
        {
            NotedUse noted = use.Take();
            if (noted.IsEmpty)
            {
                noted = use.Seal();
                _uses.TryRemove(new KeyValuePair<(string, string, int), ClientUse>(key, use));
            }

            if (noted.Ticks > 0)
            {
                var client = (key.TenantId, key.ClientId);
                latest[client] = Math.Max(noted.Ticks, latest.GetValueOrDefault(client));
            }

            if (noted.Valid > 0 || noted.Refused > 0)
            {
                counts.Add(new UsageCount(key.TenantId, key.ClientId, DateOnly.FromDayNumber(key.Day), noted.Valid, noted.Refused));
            }
        }

        int written = 0;
        foreach (var chunk in latest.GroupBy(use => use.Key.TenantId).SelectMany(tenant => tenant.Chunk(100)))
        {
            try
            {
                written += await store.SetLastUsedAsync(chunk[0].Key.TenantId, chunk.Select(use => (use.Key.ClientId, new DateTimeOffset(use.Value, TimeSpan.Zero))).ToList(), cancellationToken);
            }
            catch (Azure.RequestFailedException e)
            {
                foreach (var use in chunk)
                {
                    NoteLastUse(use.Key.TenantId, use.Key.ClientId, use.Value); // kept for the next flush (its count is not noted again)
                }

                LogFlushFailed(logger, e.Status);
            }
        }

        await usage.WriteAsync(counts, cancellationToken); // what it cannot write, it keeps for the next flush
        return written;
    }

    private static bool NoteValid(ClientUse use, long ticks) => use.Advance(ticks) && use.CountValid();

    private static int DayOf(long utcTicks) => (int)(utcTicks / TimeSpan.TicksPerDay); // DateOnly's day number

    private void NoteLastUse(string tenantId, string clientId, long ticks) =>
        Note((tenantId, clientId, DayOf(ticks)), ticks, static (use, ticks) => use.Advance(ticks));

    /// <summary>Notes in the key's cell; where a flush sealed the cell meanwhile, in a new one. Returns the cell noted in.</summary>
    private ClientUse Note<TState>((string, string, int Day) key, TState state, Func<ClientUse, TState, bool> note)
    {
        while (true)
        {
            ClientUse use = _uses.GetOrAdd(key, static key => new ClientUse(key.Day)); // a lock-free read when the cell exists
            if (note(use, state))
            {
                return use;
            }

            // A flush sealed this cell while we held it: take it out (if it is still listed) and note in a new one.
            _uses.TryRemove(new KeyValuePair<(string, string, int), ClientUse>(key, use));
        }
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
