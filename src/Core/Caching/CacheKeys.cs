using System.Text;
using BlueTokens.Core.Tokens;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Every Redis key the service uses, in one place, laid out for Redis Cluster. A token's keys carry a hash tag
/// of the first <see cref="BucketHexDigits"/> hex digits of its hash (<c>blue:{a3f}:tok:…</c>): 4096 buckets, each
/// in one slot, spread over every shard. A bucket's generation (<c>blue:{a3f}:gen</c>), which fences the fills of
/// its tokens, lives in the same slot, so every script touches one slot and a shard that loses its data loses an
/// entry and its fence together. The failure budget of a source has a slot of its own.
/// </summary>
internal static class CacheKeys
{
    /// <summary>Hex digits of the token hash that name its bucket (16^3 = 4096 buckets).</summary>
    public const int BucketHexDigits = 3;

    private const string Prefix = "blue:";

    // "blue:{" + bucket + "}:tok:" + 64 hex digits, and "blue:{" + bucket + "}:gen".
    private static readonly byte[] OpenTagUtf8 = Encoding.ASCII.GetBytes(Prefix + "{");
    private static readonly byte[] TokenInfixUtf8 = Encoding.ASCII.GetBytes("}:tok:");

    /// <summary>The bucket of a token hash given in hex.</summary>
    public static string Bucket(string tokenHash) => tokenHash[..BucketHexDigits];

    /// <summary>The cached state of one token, by the hex SHA-256 of the token.</summary>
    public static string Token(string tokenHash) => $"{Prefix}{{{Bucket(tokenHash)}}}:tok:{tokenHash}";

    /// <summary>The generation that fences the fills of every token in a bucket.</summary>
    public static string Generation(string bucket) => $"{Prefix}{{{bucket}}}:gen";

    /// <summary>
    /// The token's key straight from the hash, as the UTF-8 bytes Redis receives: one small array on the validate
    /// path instead of a hex string, a second string for the key, and their encoding.
    /// </summary>
    public static RedisKey Token(in TokenHash hash)
    {
        byte[] token = new byte[OpenTagUtf8.Length + BucketHexDigits + TokenInfixUtf8.Length + TokenHash.Size * 2];
        Span<byte> rest = Append(token, OpenTagUtf8);
        Span<byte> hex = rest[(BucketHexDigits + TokenInfixUtf8.Length)..];
        Convert.TryToHexStringLower(hash.Bytes, hex, out _);
        rest = Append(rest, hex[..BucketHexDigits]);
        Append(rest, TokenInfixUtf8);
        return token;
    }

    /// <summary>The failure budget of one validate source (a client address or an IPv6 /64).</summary>
    public static string Failures(string source) => $"{Prefix}fail:{source}";

    private static Span<byte> Append(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return destination[bytes.Length..];
    }
}
