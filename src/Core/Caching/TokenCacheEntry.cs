using System.Text.Json.Serialization;

namespace BlueTokens.Core.Caching;

/// <summary>
/// What Redis holds for one token hash, written as <c>{version}|{payload}</c> so that a Lua script can compare
/// versions without parsing JSON. The payload is <c>R</c> (revoked: deleted or replaced), <c>U</c> (unknown), or
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
}

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(TokenCacheEntry))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
