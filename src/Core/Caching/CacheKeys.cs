using BlueTokens.Core.Tokens;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>Every Redis key the service uses, in one place.</summary>
internal static class CacheKeys
{
    private const string Prefix = "blue:";

    /// <summary>The cached state of one token, by the hex SHA-256 of the token.</summary>
    public static string Token(string tokenHash) => $"{Prefix}tok:{tokenHash}";

    /// <summary>
    /// The same key straight from the hash, as the UTF-8 bytes Redis receives: one small array on the validate
    /// path instead of a hex string, a second string for the key, and their encoding.
    /// </summary>
    public static RedisKey Token(in TokenHash hash)
    {
        ReadOnlySpan<byte> prefix = "blue:tok:"u8; // Prefix + "tok:", as UTF-8 (a test holds the two forms equal)
        byte[] key = new byte[prefix.Length + TokenHash.Size * 2];
        prefix.CopyTo(key);
        Convert.TryToHexStringLower(hash.Bytes, key.AsSpan(prefix.Length), out _);
        return key;
    }

    /// <summary>
    /// The cache's generation: a random id that exists from the first write after Redis was emptied (a flush, a
    /// restart) until the next emptying. A fill presents the generation its lookup saw and is refused under any
    /// other, so a fill whose table read began before a flush cannot land after it and revive a revoked token.
    /// </summary>
    public const string Generation = Prefix + "gen";

    /// <summary>The failure budget of one validate source (a client address).</summary>
    public static string Failures(string source) => $"{Prefix}fail:{source}";
}
