using BlueTokens.Core.Tokens;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>Every Redis key the service uses, in one place.</summary>
internal static class CacheKeys
{
    private const string Prefix = "blue:";
    private const string TokenPrefix = Prefix + "tok:";

    // The same prefix as the UTF-8 bytes Redis receives (ASCII), for the key built from the hash.
    private static readonly byte[] TokenPrefixUtf8 = System.Text.Encoding.ASCII.GetBytes(TokenPrefix);

    /// <summary>The cached state of one token, by the hex SHA-256 of the token.</summary>
    public static string Token(string tokenHash) => TokenPrefix + tokenHash;

    /// <summary>
    /// The same key straight from the hash, as the UTF-8 bytes Redis receives: one small array on the validate
    /// path instead of a hex string, a second string for the key, and their encoding.
    /// </summary>
    public static RedisKey Token(in TokenHash hash)
    {
        byte[] key = new byte[TokenPrefixUtf8.Length + TokenHash.Size * 2];
        TokenPrefixUtf8.CopyTo(key, 0);
        Convert.TryToHexStringLower(hash.Bytes, key.AsSpan(TokenPrefixUtf8.Length), out _);
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
