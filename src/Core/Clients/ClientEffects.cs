using BlueTokens.Core.Caching;
using BlueTokens.Core.Events;
using BlueTokens.Core.Expiry;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Clients;

/// <summary>
/// What follows a client change besides its own transaction: the cache brought in step, the expiry index kept
/// true, and the lifecycle event published. Index rows a change needs are written before it commits (a row left
/// by a failed change is dropped when due); everything else runs after, and none of it can fail the request.
/// </summary>
internal sealed class ClientEffects(CacheSync cache, ExpiryIndex index, LifecycleEvents events, IOptions<ExpiryOptions> expiry, TimeProvider time)
{
    /// <summary>
    /// The index row of a current token: due at its warning (never before it was issued, so a short-lived token is
    /// warned at once), or at its expiry where warnings are off. Computed from the token alone, so that a rotation
    /// or a delete can find the row again.
    /// </summary>
    public ExpiryEntry TokenEntry(string tenantId, string clientId, string tokenHash, DateTimeOffset issuedAt, DateTimeOffset expiresAt)
    {
        DateTimeOffset warnAt = expiresAt.AddDays(-expiry.Value.WarningDays);
        DateTimeOffset due = expiry.Value.WarningDays == 0 ? expiresAt : warnAt > issuedAt ? warnAt : issuedAt;
        return ExpiryIndex.Entry(ExpiryKind.Token, due, tenantId, clientId, tokenHash);
    }

    public Task ScheduleAsync(IEnumerable<ExpiryEntry> entries, CancellationToken cancellationToken) =>
        index.AddAsync(entries, time.GetUtcNow(), cancellationToken);

    public async Task CreatedAsync(ClientRecord client)
    {
        await cache.PublishAsync(cache.WritesFor(client, [], client.Version));
        await events.PublishAsync(LifecycleEventTypes.ClientCreated, client.TenantId, client.Id, client.Name, client.ExpiresAt);
    }

    /// <summary>After a committed change from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public async Task ChangedAsync(ClientRecord before, ClientRecord after, string eventType)
    {
        IEnumerable<string> revoked = Hashes(before).Except(Hashes(after));
        await cache.PublishAsync(cache.WritesFor(after, revoked, after.Version));
        if (before.TokenHash != after.TokenHash)
        {
            // A rotation: the old token's index rows go, each token still in grace gets its own.
            await Task.WhenAll(
                RemoveTokenEntriesAsync(before),
                index.AddAsync(after.GraceTokens.Select(grace => ExpiryIndex.Entry(ExpiryKind.Grace, grace.Until, after.TenantId, after.Id, grace.Hash)), time.GetUtcNow()));
        }

        await events.PublishAsync(eventType, after.TenantId, after.Id, after.Name, after.ExpiresAt);
    }

    public async Task DeletedAsync(ClientRecord client)
    {
        await cache.PublishAsync(cache.WritesFor(null, Hashes(client), client.Version + 1));
        await Task.WhenAll(
            RemoveTokenEntriesAsync(client),
            Task.WhenAll(client.GraceTokens.Select(grace => index.RemoveAsync(ExpiryIndex.Entry(ExpiryKind.Grace, grace.Until, client.TenantId, client.Id, grace.Hash)))));
        await events.PublishAsync(LifecycleEventTypes.ClientDeleted, client.TenantId, client.Id, client.Name);
    }

    public static IEnumerable<string> Hashes(ClientRecord client) =>
        client.GraceTokens.Select(grace => grace.Hash).Prepend(client.TokenHash);

    /// <summary>A current token's row is at its warning until the timer has warned, then at its expiry.</summary>
    private Task RemoveTokenEntriesAsync(ClientRecord client) =>
        index.RemoveAsync(client.WarnedTokenHash == client.TokenHash
            ? ExpiryIndex.Entry(ExpiryKind.Token, client.ExpiresAt, client.TenantId, client.Id, client.TokenHash)
            : TokenEntryAtWarning(client));

    private ExpiryEntry TokenEntryAtWarning(ClientRecord client) =>
        TokenEntry(client.TenantId, client.Id, client.TokenHash, client.TokenIssuedAt, client.ExpiresAt);
}
