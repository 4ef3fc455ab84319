using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Json;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;

namespace BlueTokens.Core.Clients;

/// <summary>Show and Regenerate: the two operations that hand a token to an administrator.</summary>
internal sealed partial class ClientService
{
    public const int MaxGracePeriodMinutes = 1440;

    /// <summary>Gives the current token back, and records who asked in the audit trail before it does.</summary>
    public async Task<Outcome<string>> ShowTokenAsync(Admin admin, string clientId, CancellationToken cancellationToken = default)
    {
        StoredClient? stored = await ReadAsync(admin, clientId, cancellationToken);
        if (stored is null)
        {
            return Failure.NotFound(clientId);
        }

        ClientRecord client = stored.Record;
        if (!protector.TryUnprotect(client.ProtectedToken, client.ProtectionContext, out string? token))
        {
            // Only a configuration fault gets here (the key that wrote it was removed from Tokens__PreviousEncryptionKeys).
            throw new InvalidOperationException($"The stored token of client {client.Id} cannot be opened with the configured keys.");
        }

        var batch = new PartitionBatch(admin.TenantId)
            .Audit(NewEvent(admin.Actor, AuditActions.TokenShown, client, new JsonObject { ["tokenPrefix"] = client.TokenPrefix }));
        if (await store.CommitAsync(batch, cancellationToken) != CommitResult.Committed)
        {
            throw new InvalidOperationException("The audit event of a Show could not be written.");
        }

        return token;
    }

    /// <summary>
    /// Issues a new token. The old one keeps validating until <c>min(now + grace, its own expiry)</c>; every older
    /// token still in a grace period is cut to the same end; with no grace the old token stops at once.
    /// Allowed on expired and disabled clients (a disabled client stays disabled).
    /// </summary>
    public async Task<Outcome<IssuedToken>> RegenerateAsync(Admin admin, string clientId, RegenerateTokenCommand command, IfMatch ifMatch, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = time.Now();
        Outcome<DateTimeOffset> expiresAt = lifetimes.Resolve(command.ExpiresInDays, command.ExpiresAt, now);
        var errors = new Dictionary<string, string[]>();
        Merge(errors, expiresAt.Failure);
        int graceMinutes = command.GracePeriodMinutes ?? 0;
        if (graceMinutes is < 0 or > MaxGracePeriodMinutes)
        {
            AddError(errors, "gracePeriodMinutes", $"gracePeriodMinutes must be 0 to {MaxGracePeriodMinutes}.");
        }

        if (errors.Count > 0)
        {
            return Failure.Invalid(errors);
        }

        if (!ClientIds.IsWellFormed(clientId))
        {
            return Failure.NotFound(clientId);
        }

        string token = AccessToken.Generate();
        string hash = AccessToken.HashWellFormed(token).ToHex();
        await Task.WhenAll(
            lookups.InsertLookupAsync(hash, admin.TenantId, clientId, expiresAt.Value, cancellationToken),
            effects.ScheduleAsync([effects.TokenEntry(admin.TenantId, clientId, hash, now, expiresAt.Value)], cancellationToken));

        Outcome<ClientRecord> changed = await ChangeAsync(admin, clientId, ifMatch, (client, at) =>
        {
            DateTimeOffset graceEnd = at.AddMinutes(graceMinutes);
            var grace = client.GraceTokens
                .Select(old => old with { Until = Min(old.Until, graceEnd) })
                .Where(old => old.Until > at)
                .ToList();
            DateTimeOffset previousUntil = Min(graceEnd, client.ExpiresAt);
            if (previousUntil > at)
            {
                grace.Add(new GraceToken(client.TokenHash, client.TokenPrefix, previousUntil));
            }

            // Issued at the request's time, the one its lifetime and expiry index row were computed from.
            ClientRecord updated = client with
            {
                TokenHash = hash,
                TokenPrefix = AccessToken.DisplayPrefix(token),
                ProtectedToken = protector.Protect(token, client.ProtectionContext),
                TokenIssuedAt = now,
                ExpiresAt = expiresAt.Value,
                GraceTokens = grace,
            };
            var detail = new JsonObject
            {
                ["tokenPrefix"] = updated.TokenPrefix,
                ["previousTokenPrefix"] = client.TokenPrefix,
                ["expiresAt"] = UtcTimestampConverter.Text(updated.ExpiresAt),
                ["gracePeriodMinutes"] = graceMinutes,
                ["previousTokenValidUntil"] = UtcTimestampConverter.Text(previousUntil > at ? previousUntil : at),
            };
            return new Change(updated, AuditActions.TokenRegenerated, detail)
            {
                AfterCommit = previous => SettleLookupsAsync(previous, grace),
            };
        }, cancellationToken);

        if (!changed.Succeeded)
        {
            await lookups.DeleteLookupAsync(hash, CancellationToken.None);
            return changed.Failure!;
        }

        return new IssuedToken(changed.Value!, token);
    }

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

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
