using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Caching;

/// <summary>
/// What Redis holds for one token hash, written as the payload of a sealed value (<see cref="CacheEntrySeal"/>),
/// whose leading version a Lua script compares without parsing JSON. The payload is <c>R</c> (revoked: deleted or replaced), <c>U</c> (unknown), or
/// the JSON of this record. The version is the client's change counter: a write never replaces a newer one.
/// </summary>
internal sealed record TokenCacheEntry(
    [property: JsonPropertyName("t")] string TenantId,
    [property: JsonPropertyName("c")] string ClientId,
    [property: JsonPropertyName("n")] string ClientName,
    [property: JsonPropertyName("r")] string Role,
    [property: JsonPropertyName("e")] long ExpiresAtMs,
    [property: JsonPropertyName("d")] bool Disabled,
    [property: JsonPropertyName("g")] bool Grace)
{
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs);

    /// <summary>
    /// What the cache holds for one token of a client, ending at <paramref name="end"/>: the one place an entry is
    /// made from a client, for a validate's fill and a management write alike, so the two can never disagree.
    /// </summary>
    public static TokenCacheEntry Of(ClientRecord client, DateTimeOffset end, bool grace) =>
        new(client.TenantId, client.Id, client.Name, client.Role, end.ToUnixTimeMilliseconds(), client.Disabled, grace);

    /// <summary>
    /// Reads the JSON of an entry on the validate path: one pass of a reader over the UTF-8 bytes, no metadata,
    /// unknown properties skipped. Null when the JSON is unreadable or lacks a field (the caller asks the table).
    /// </summary>
    public static TokenCacheEntry? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? tenant = null, client = null, name = null, role = null;
            long? expires = null;
            bool disabled = false, grace = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                ReadOnlySpan<byte> property = reader.ValueSpan;
                reader.Read();
                switch (property.Length == 1 ? (char)property[0] : '\0')
                {
                    case 't': tenant = reader.GetString(); break;
                    case 'c': client = reader.GetString(); break;
                    case 'n': name = reader.GetString(); break;
                    case 'r': role = reader.GetString(); break;
                    case 'e': expires = reader.GetInt64(); break;
                    case 'd': disabled = reader.GetBoolean(); break;
                    case 'g': grace = reader.GetBoolean(); break;
                    default: reader.Skip(); break;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && tenant is not null && client is not null && name is not null
                && role is not null && expires is { } end
                ? new TokenCacheEntry(tenant, client, name, role, end, disabled, grace)
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(TokenCacheEntry))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
