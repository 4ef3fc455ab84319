using System.Text.Json.Nodes;

namespace BlueTokens.Core.Audit;

/// <summary>One entry of the audit trail. Never holds a token: at most its displayable prefix.</summary>
internal sealed record AuditEvent(
    string Id,
    DateTimeOffset At,
    string Actor,
    string Action,
    string ClientId,
    string ClientName,
    JsonObject? Detail = null);

internal static class AuditActions
{
    public const string ClientCreated = "client.created";
    public const string ClientUpdated = "client.updated";
    public const string TokenShown = "token.shown";
    public const string ClientDisabled = "client.disabled";
    public const string ClientEnabled = "client.enabled";
    public const string TokenRegenerated = "token.regenerated";
    public const string ClientDeleted = "client.deleted";
    public const string TokenExpired = "token.expired";
    public const string TokenLeaked = "token.leaked";

    /// <summary>The actor of what the service does by itself (the expiry timer).</summary>
    public const string SystemActor = "system";
}
