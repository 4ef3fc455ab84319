using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Validation;

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
    [property: JsonPropertyName("g")] bool Grace,
    [property: JsonPropertyName("a"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Networks = null)
{
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtMs);

    /// <summary>The client's networks, parsed once per entry read (a held entry is judged against them on every hit).</summary>
    [JsonIgnore]
    public NetworkPolicy Policy { get; } = NetworkPolicy.Of(Networks);

    /// <summary>
    /// What the cache holds for one token of a client, ending at <paramref name="end"/>: the one place an entry is
    /// made from a client, for a validate's fill and a management write alike, so the two can never disagree.
    /// </summary>
    public static TokenCacheEntry Of(ClientRecord client, DateTimeOffset end, bool grace) =>
        new(client.TenantId, client.Id, client.Name, client.Role, end.ToUnixTimeMilliseconds(), client.Disabled, grace,
            client.AllowedNetworks.Count == 0 ? null : client.AllowedNetworks);

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
            List<string>? networks = null;
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
                    case 'a': networks = ReadStrings(ref reader); break;
                    default: reader.Skip(); break;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && tenant is not null && client is not null && name is not null
                && role is not null && expires is { } end
                ? new TokenCacheEntry(tenant, client, name, role, end, disabled, grace, networks)
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>An array of strings; a JSON null reads as none.</summary>
    private static List<string>? ReadStrings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("The networks of a cache entry are not an array.");
        }

        var strings = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            strings.Add(reader.GetString() ?? throw new JsonException("A network of a cache entry is null."));
        }

        return strings;
    }
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(TokenCacheEntry))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
