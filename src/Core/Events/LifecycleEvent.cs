using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlueTokens.Core.Events;

/// <summary>
/// A lifecycle change, as the platform receives it on the <c>Events__QueueName</c> queue: at least once, so
/// consumers drop duplicates by <see cref="Id"/>. Never holds a token.
/// </summary>
internal sealed record LifecycleEvent(
    string Id,
    string Type,
    DateTimeOffset Time,
    string TenantId,
    string ClientId,
    string ClientName,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ExpiresAt = null);

internal static class LifecycleEventTypes
{
    public const string ClientCreated = "client.created";
    public const string ClientUpdated = "client.updated";
    public const string ClientDisabled = "client.disabled";
    public const string ClientEnabled = "client.enabled";
    public const string TokenRegenerated = "token.regenerated";
    public const string ClientDeleted = "client.deleted";
    public const string TokenExpiring = "token.expiring";
    public const string TokenExpired = "token.expired";
    public const string TokenLeaked = "token.leaked";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(Json.UtcTimestampConverter)])]
[JsonSerializable(typeof(LifecycleEvent))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
