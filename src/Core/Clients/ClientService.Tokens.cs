using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Events;
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
        StoredClient? stored = await changes.ReadAsync(admin.TenantId, clientId, cancellationToken);
        if (stored is null)
        {
            return Failure.NotFound(clientId);
        }

        ClientRecord client = stored.Record;
        if (!protector.TryUnprotect(client.ProtectedToken, client.ProtectionContext, out string? token))
        {
            // The key that wrote it was removed before the timer's rewrap reached it: the token still validates (by its
            // hash), but it cannot be given back. Nothing is audited, since nothing was shown.
            return new Failure(FailureKind.NotFound,
                $"The token of client '{client.Id}' can no longer be shown: the encryption key it was stored under is no longer configured. "
                + "Regenerate the token to get one that can be.");
        }

        await changes.AuditAsync(admin.Actor, client, new AuditNote(AuditActions.TokenShown, new JsonObject { ["tokenPrefix"] = client.TokenPrefix }), cancellationToken);
        return token;
    }

    /// <summary>
    /// Issues a new token. The old one keeps validating until <c>min(now + grace, its own expiry)</c>; every older
    /// token still in a grace period is cut to the same end; with no grace the old token stops at once.
    /// Allowed on expired and disabled clients (a disabled client stays disabled). A leak secret scanning reported
    /// is cleared: the token it named is no longer the client's.
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

        // Read first: a client that is not there costs no writes (a lookup and an index row written for nothing).
        StoredClient? read = await changes.ReadAsync(admin.TenantId, clientId, cancellationToken);
        if (read is null)
        {
            return Failure.NotFound(clientId);
        }

        string token = AccessToken.Generate();
        string hash = AccessToken.HashWellFormed(token).ToHex();
        await effects.IssuingAsync(admin.TenantId, clientId, hash, now, expiresAt.Value, cancellationToken);
        Outcome<ClientRecord> changed = await ChangeAsync(admin, clientId, ifMatch, (client, at) =>
        {
            // A token reported as public gets no grace: it stopped when it was reported, and stays stopped.
            int granted = client.Leak is null ? graceMinutes : 0;
            (IReadOnlyList<GraceToken> grace, DateTimeOffset previousUntil) = ClientRules.GraceAfterRotation(client, at.AddMinutes(granted), at);

            // Issued at the request's time, the one its lifetime and expiry index row were computed from.
            ClientRecord updated = client with
            {
                TokenHash = hash,
                TokenPrefix = AccessToken.DisplayPrefix(token),
                ProtectedToken = protector.Protect(token, client.ProtectionContext),
                TokenIssuedAt = now,
                ExpiresAt = expiresAt.Value,
                GraceTokens = grace,
                Leak = null,
            };
            var detail = new JsonObject
            {
                ["tokenPrefix"] = updated.TokenPrefix,
                ["previousTokenPrefix"] = client.TokenPrefix,
                ["expiresAt"] = UtcTimestampConverter.Text(updated.ExpiresAt),
                ["gracePeriodMinutes"] = granted,
                ["previousTokenValidUntil"] = UtcTimestampConverter.Text(previousUntil),
            };
            if (client.Leak is not null)
            {
                detail["leakCleared"] = true;
            }

            return ChangeDecision.Revise(updated, at, new AuditNote(AuditActions.TokenRegenerated, detail), LifecycleEventTypes.TokenRegenerated);
        }, cancellationToken, read);
        return await IssuedAsync(changed, token, admin.TenantId, clientId, hash, now, expiresAt.Value);
    }
}
