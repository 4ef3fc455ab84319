using BlueTokens.Core.Caching;
using BlueTokens.Core.Events;
using BlueTokens.Core.Expiry;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Clients;

/// <summary>
/// What follows a client change besides its own transaction, for the administrator's changes and the timer's
/// alike: the cache brought in step, the token lookups and the expiry index kept true, and the lifecycle event
/// published. A new token's lookup and index row are written before its change commits (they lead nowhere until
/// it does); everything else runs after, and none of it can fail the request.
/// </summary>
internal partial class ClientEffects(
    CacheSync cache,
    ExpiryIndex index,
    LifecycleEvents events,
    TokenLookups lookups,
    LocalAnswers local,
    IOptions<ExpiryOptions> expiry,
    TimeProvider time,
    ILogger<ClientEffects> logger)
{
    /// <summary>
    /// Before a change that issues a token commits: its lookup, and its index row (an index row that matches no
    /// client is dropped when it falls due).
    /// </summary>
    public virtual Task IssuingAsync(string tenantId, string clientId, string tokenHash, DateTimeOffset issuedAt, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        Task.WhenAll(
            lookups.InsertLookupAsync(tokenHash, tenantId, clientId, expiresAt, cancellationToken),
            index.AddAsync([TokenEntry(tenantId, clientId, tokenHash, issuedAt, expiresAt)], time.GetUtcNow(), cancellationToken));

    /// <summary>
    /// Where that change did not commit (no such client, a name taken, a stale If-Match): its lookup and its index
    /// row are removed, so that refused requests leave nothing for the timer to read.
    /// </summary>
    public virtual Task NotIssuedAsync(string tenantId, string clientId, string tokenHash, DateTimeOffset issuedAt, DateTimeOffset expiresAt) =>
        Task.WhenAll(
            lookups.DeleteLookupAsync(tokenHash, CancellationToken.None),
            index.RemoveAsync(TokenEntry(tenantId, clientId, tokenHash, issuedAt, expiresAt), CancellationToken.None));

    public virtual async Task CreatedAsync(ClientRecord client)
    {
        await cache.PublishAsync(cache.WritesFor(client, [], client.Version));
        await events.PublishAsync(LifecycleEventTypes.ClientCreated, client.TenantId, client.Id, client.Name, client.ExpiresAt);
    }

    /// <summary>After a committed change from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public virtual async Task ChangedAsync(ClientRecord before, ClientRecord after, string eventType)
    {
        // The cache holds what an admin's change sets, and each moves the version. Of the timer's marks, which
        // keep it, only the expiry's is published: nothing of an ended token is to outlive it.
        Task leaseOut = Task.CompletedTask;
        if (after.Version != before.Version || after.ExpiredTokenHash != before.ExpiredTokenHash)
        {
            IEnumerable<string> revoked = Hashes(before).Except(Hashes(after));
            await cache.PublishAsync(cache.WritesFor(after, revoked, after.Version));

            // An admin's change returns only once no instance can still answer from memory what it read before
            // (the timer's marks need not wait: what they publish, the clock has already decided).
            leaseOut = after.Version != before.Version ? local.WaitOutAsync(local.LeaseStart()) : Task.CompletedTask;
        }

        bool rotated = before.TokenHash != after.TokenHash;
        if (rotated)
        {
            // The old token's index rows go, each token still in grace gets its own.
            await Task.WhenAll(
                RemoveTokenEntriesAsync(before),
                index.AddAsync(after.GraceTokens.Select(grace => GraceEntry(after, grace)), time.GetUtcNow()));
        }

        await events.PublishAsync(eventType, after.TenantId, after.Id, after.Name, after.ExpiresAt);
        if (rotated)
        {
            await SettleLookupsAsync(before, after.GraceTokens);
        }

        await leaseOut;
    }

    public virtual async Task DeletedAsync(ClientRecord client)
    {
        await cache.PublishAsync(cache.WritesFor(null, Hashes(client), client.Version + 1));
        Task leaseOut = local.WaitOutAsync(local.LeaseStart());
        await Task.WhenAll(
            RemoveTokenEntriesAsync(client),
            Task.WhenAll(client.GraceTokens.Select(grace => index.RemoveAsync(GraceEntry(client, grace)))));
        await events.PublishAsync(LifecycleEventTypes.ClientDeleted, client.TenantId, client.Id, client.Name);
        await RemoveLookupsAsync(Hashes(client));
        await leaseOut;
    }

    /// <summary>
    /// The timer, once a replaced token's grace has ended: its cache entry is revoked and its lookup removed
    /// (<paramref name="client"/> is null where the client is gone).
    /// </summary>
    public virtual async Task GraceEndedAsync(ClientRecord? client, string tokenHash, CancellationToken cancellationToken)
    {
        await cache.PublishAsync(cache.WritesFor(null, [tokenHash], client?.Version ?? long.MaxValue / 2), cancellationToken);
        try
        {
            await lookups.DeleteLookupAsync(tokenHash, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
        }
    }

    /// <summary>
    /// The index row of a current token: due at its warning (never before it was issued, so a short-lived token is
    /// warned at once), or at its expiry where warnings are off. Computed from the token alone, so that a rotation
    /// or a delete can find the row again.
    /// </summary>
    private ExpiryEntry TokenEntry(string tenantId, string clientId, string tokenHash, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        DateTimeOffset warnAt = expiresAt.AddDays(-expiry.Value.WarningDays);
        DateTimeOffset due = expiry.Value.WarningDays == 0 ? expiresAt : warnAt > issuedAt ? warnAt : issuedAt;
        return ExpiryIndex.Entry(ExpiryKind.Token, due, tenantId, clientId, tokenHash);
    }

    private static ExpiryEntry GraceEntry(ClientRecord client, GraceToken grace) =>
        ExpiryIndex.Entry(ExpiryKind.Grace, grace.Until, client.TenantId, client.Id, grace.Hash);

    private static IEnumerable<string> Hashes(ClientRecord client) =>
        client.GraceTokens.Select(grace => grace.Hash).Prepend(client.TokenHash);

    /// <summary>A current token's row is at its warning until the timer has warned, then at its expiry.</summary>
    private Task RemoveTokenEntriesAsync(ClientRecord client) =>
        index.RemoveAsync(client.WarnedTokenHash == client.TokenHash
            ? ExpiryIndex.Entry(ExpiryKind.Token, client.ExpiresAt, client.TenantId, client.Id, client.TokenHash)
            : TokenEntry(client.TenantId, client.Id, client.TokenHash, client.TokenIssuedAt, client.ExpiresAt));

    /// <summary>After a rotation: lookups of tokens still in grace end with their grace; the rest are removed.</summary>
    private async Task SettleLookupsAsync(ClientRecord previous, IReadOnlyList<GraceToken> stillValid)
    {
        var keep = stillValid.ToDictionary(grace => grace.Hash, grace => grace.Until);
        IEnumerable<string> replaced = previous.GraceTokens.Select(grace => grace.Hash).Append(previous.TokenHash);
        var remove = new List<string>();
        foreach (string hash in replaced.Distinct())
        {
            if (keep.TryGetValue(hash, out DateTimeOffset until))
            {
                await lookups.SetLookupExpiryAsync(hash, until, CancellationToken.None);
            }
            else
            {
                remove.Add(hash);
            }
        }

        await RemoveLookupsAsync(remove);
    }

    private async Task RemoveLookupsAsync(IEnumerable<string> hashes)
    {
        foreach (string hash in hashes)
        {
            try
            {
                await lookups.DeleteLookupAsync(hash, CancellationToken.None);
            }
            catch (Azure.RequestFailedException e)
            {
                // Harmless if left: a lookup only leads to the client row, which no longer names this token.
                LogLookupCleanupFailed(logger, e.Status);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A token lookup could not be removed (status {Status}); it leads to no client and will be cleaned up later")]
    private static partial void LogLookupCleanupFailed(ILogger logger, int status);
}
