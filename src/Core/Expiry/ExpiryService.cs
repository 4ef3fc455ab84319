using System.Globalization;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Events;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Expiry;

internal sealed record ExpiryRunResult(int IndexEntriesRead, int Warned, int Expired, int GraceEnded, int Dropped, int Failed, string CheckpointDay);

/// <summary>
/// The timer's bookkeeping. Validation already refuses expired tokens by their expiresAt; this sends the
/// <c>token.expiring</c> and <c>token.expired</c> events and audit, and purges what a replaced token left behind.
/// It reads only the index rows that are due, day by day from its checkpoint, at most Expiry__BatchSize a run.
/// Safe twice at once and after a crash: each step is conditional on what it read and is done once per token.
/// </summary>
internal sealed partial class ExpiryService(
    ExpiryIndex index,
    ClientStore store,
    TokenLookups lookups,
    CacheSync cache,
    LifecycleEvents events,
    IOptions<ExpiryOptions> options,
    TimeProvider time,
    ILogger<ExpiryService> logger)
{
    private const int Parallelism = 8;

    public async Task<ExpiryRunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (await index.CheckpointAsync(cancellationToken) is not { } checkpoint)
        {
            return new ExpiryRunResult(0, 0, 0, 0, 0, 0, ExpiryIndex.DayOf(now));
        }

        var tally = new Tally();
        string today = ExpiryIndex.DayOf(now);
        string day = checkpoint.Day;
        string firstUnfinished = day;
        bool contiguous = true;
        int budget = options.Value.BatchSize;
        while (string.CompareOrdinal(day, today) <= 0 && budget > 0)
        {
            IReadOnlyList<ExpiryEntry> due = await index.DueAsync(day, now, budget, cancellationToken);
            budget -= due.Count;
            tally.Read += due.Count;
            int failedBefore = tally.Failed;
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (entry, token) => await HandleSafelyAsync(entry, now, tally, token));

            // A past day whose due rows are all handled is finished: the checkpoint may move past it.
            bool finished = string.CompareOrdinal(day, today) < 0 && budget > 0 && tally.Failed == failedBefore;
            if (contiguous && finished)
            {
                firstUnfinished = NextDay(day);
            }
            else
            {
                contiguous = false;
            }

            day = NextDay(day);
        }

        if (firstUnfinished != checkpoint.Day)
        {
            await index.AdvanceCheckpointAsync(firstUnfinished, checkpoint.ETag, cancellationToken);
        }

        var result = new ExpiryRunResult(tally.Read, tally.Warned, tally.Expired, tally.GraceEnded, tally.Dropped, tally.Failed, firstUnfinished);
        LogRun(logger, result.IndexEntriesRead, result.Warned, result.Expired, result.GraceEnded, result.Dropped, result.Failed, result.CheckpointDay);
        return result;
    }

    private async Task HandleSafelyAsync(ExpiryEntry entry, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        try
        {
            await HandleAsync(entry, now, tally, cancellationToken);
        }
        catch (Azure.RequestFailedException e)
        {
            // Left in the index: the next run tries again.
            Interlocked.Increment(ref tally.Failed);
            LogEntryFailed(logger, entry.Kind, entry.ClientId, e.Status);
        }
    }

    private async Task HandleAsync(ExpiryEntry entry, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        StoredClient? stored = await store.GetClientAsync(entry.TenantId, entry.ClientId, cancellationToken);
        if (entry.Kind == ExpiryKind.Grace)
        {
            await EndGraceAsync(entry, stored?.Record, now, tally, cancellationToken);
        }
        else if (stored is null || stored.Record.TokenHash != entry.TokenHash)
        {
            Interlocked.Increment(ref tally.Dropped); // deleted, or rotated since: nothing of this token is left to do
        }
        else if (stored.Record.ExpiresAt <= now)
        {
            await ExpireAsync(entry, stored, tally, cancellationToken);
        }
        else
        {
            await WarnAsync(entry, stored, tally, cancellationToken);
            await index.AddAsync([ExpiryIndex.Entry(ExpiryKind.Token, stored.Record.ExpiresAt, entry.TenantId, entry.ClientId, entry.TokenHash)], now, cancellationToken);
        }

        await index.RemoveAsync(entry, cancellationToken);
    }

    private async Task WarnAsync(ExpiryEntry entry, StoredClient stored, Tally tally, CancellationToken cancellationToken)
    {
        ClientRecord? warned = await RecordOnceAsync(stored, entry, client => client.WarnedTokenHash == entry.TokenHash,
            client => client with { WarnedTokenHash = entry.TokenHash }, audit: null, cancellationToken);
        if (warned is not null)
        {
            await events.PublishAsync(LifecycleEventTypes.TokenExpiring, warned.TenantId, warned.Id, warned.Name, warned.ExpiresAt);
            Interlocked.Increment(ref tally.Warned);
        }
    }

    private async Task ExpireAsync(ExpiryEntry entry, StoredClient stored, Tally tally, CancellationToken cancellationToken)
    {
        ClientRecord? expired = await RecordOnceAsync(stored, entry, client => client.ExpiredTokenHash == entry.TokenHash,
            client => client with { ExpiredTokenHash = entry.TokenHash }, AuditActions.TokenExpired, cancellationToken);
        if (expired is null)
        {
            return;
        }

        // The cache entry ended with the token already; removing it makes sure nothing outlives it. The lookup
        // stays while the client does, so that validate keeps answering "expired" rather than "invalid_token".
        await cache.PublishAsync(cache.WritesFor(expired, [], expired.Version), cancellationToken);
        await events.PublishAsync(LifecycleEventTypes.TokenExpired, expired.TenantId, expired.Id, expired.Name, expired.ExpiresAt);
        Interlocked.Increment(ref tally.Expired);
    }

    private async Task EndGraceAsync(ExpiryEntry entry, ClientRecord? client, DateTimeOffset now, Tally tally, CancellationToken cancellationToken)
    {
        GraceToken? grace = client?.GraceTokens.FirstOrDefault(g => g.Hash == entry.TokenHash);
        if (grace is not null && grace.Until > now)
        {
            // Its grace was moved (it cannot be extended, but an index row may be early): come back then.
            await index.AddAsync([ExpiryIndex.Entry(ExpiryKind.Grace, grace.Until, entry.TenantId, entry.ClientId, entry.TokenHash)], now, cancellationToken);
            return;
        }

        if (client?.TokenHash == entry.TokenHash)
        {
            Interlocked.Increment(ref tally.Dropped);
            return;
        }

        IReadOnlyList<CacheWrite> revoke = cache.WritesFor(null, [entry.TokenHash], client?.Version ?? long.MaxValue / 2);
        await cache.PublishAsync(revoke, cancellationToken);
        try
        {
            await lookups.DeleteLookupAsync(entry.TokenHash, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }

        Interlocked.Increment(ref tally.GraceEnded);
    }

    /// <summary>
    /// Marks the client row (without changing its version: this is bookkeeping, not an admin's change), with an
    /// audit event where one is given, in one transaction conditional on the row read. Returns the marked client,
    /// or null where it was already marked, by this run or a concurrent one.
    /// </summary>
    private async Task<ClientRecord?> RecordOnceAsync(StoredClient stored, ExpiryEntry entry, Func<ClientRecord, bool> done,
        Func<ClientRecord, ClientRecord> mark, string? audit, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < 5; attempt++)
        {
            ClientRecord client = stored.Record;
            if (done(client) || client.TokenHash != entry.TokenHash)
            {
                return null;
            }

            ClientRecord marked = mark(client);
            var batch = new PartitionBatch(client.TenantId).ReplaceClient(marked, stored.ETag);
            if (audit is not null)
            {
                batch.Audit(new AuditEvent(Guid.NewGuid().ToString("N"), Clock.Now(time), AuditActions.SystemActor, audit, client.Id, client.Name,
                    new System.Text.Json.Nodes.JsonObject { ["tokenPrefix"] = client.TokenPrefix, ["expiresAt"] = Json.UtcTimestampConverter.Text(client.ExpiresAt) }));
            }

            if (await store.CommitAsync(batch, cancellationToken) == CommitResult.Committed)
            {
                return marked;
            }

            stored = await store.GetClientAsync(entry.TenantId, entry.ClientId, cancellationToken)
                ?? throw new Azure.RequestFailedException(404, "The client was deleted during expiry.");
        }

        throw new Azure.RequestFailedException(409, "The client kept changing during expiry.");
    }

    private static string NextDay(string day) =>
        DateTime.ParseExact(day, "yyyyMMdd", CultureInfo.InvariantCulture).AddDays(1).ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private sealed class Tally
    {
        public int Read;
        public int Warned;
        public int Expired;
        public int GraceEnded;
        public int Dropped;
        public int Failed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expiry run: {Read} due index rows, {Warned} warned, {Expired} expired, {GraceEnded} grace ends, {Dropped} dropped, {Failed} failed; checkpoint {Checkpoint}")]
    private static partial void LogRun(ILogger logger, int read, int warned, int expired, int graceEnded, int dropped, int failed, string checkpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry of {Kind} for client {ClientId} failed (status {Status}); the next run retries")]
    private static partial void LogEntryFailed(ILogger logger, ExpiryKind kind, string clientId, int status);
}
