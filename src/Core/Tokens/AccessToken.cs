using System.IO.Hashing;
using System.Security.Cryptography;

namespace BlueTokens.Core.Tokens;

/// <summary>
/// The access token format of API.md: <c>blue_</c>, 32 random base62 characters, then 6 base62 characters of
/// CRC-32 over the random part. Scanners and connectors can check it offline; the service checks it before it
/// asks any store.
/// </summary>
internal static class AccessToken
{
    public const string Prefix = "blue_";
    public const int RandomLength = 32;
    public const int ChecksumLength = 6;
    public const int Length = 43;

    /// <summary>How much of a token is safe to display: <c>blue_</c> and 7 characters.</summary>
    public const int DisplayPrefixLength = 12;

    // Bytes at or above this are rejected so that "byte % 62" is uniform (248 = 4 * 62).
    private const int RejectionBound = 248;

    // One SHA-256 context per thread, reset after each hash: the runtime's one-shot SHA256.HashData sets up and frees
    // an OpenSSL context on every call, which costs about as much again as the hash of 43 bytes itself, on every
    // validate (bench/Micro, TokenHashBenchmarks).
    [ThreadStatic]
    private static IncrementalHash? _sha256;

    /// <summary>Creates a token from the cryptographic RNG: 32 * log2(62), about 190 bits of entropy.</summary>
    public static string Generate()
    {
        return string.Create(Length, 0, static (chars, _) =>
        {
            Prefix.CopyTo(chars);
            Span<char> random = chars.Slice(Prefix.Length, RandomLength);
            Span<byte> pool = stackalloc byte[64];
            int used = pool.Length;
            for (int i = 0; i < random.Length;)
            {
                if (used == pool.Length)
                {
                    RandomNumberGenerator.Fill(pool);
                    used = 0;
                }

                byte candidate = pool[used++];
                if (candidate < RejectionBound)
                {
                    random[i++] = Base62.Alphabet[candidate % 62];
                }
            }

            Base62.WriteFixedWidth(Checksum(random), chars.Slice(Prefix.Length + RandomLength));
            pool.Clear();
        });
    }

    /// <summary>
    /// True where <paramref name="candidate"/> has the prefix, the length, the alphabet and a matching checksum.
    /// Never throws and never allocates, whatever the input.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length != Length || !candidate.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        ReadOnlySpan<char> body = candidate.Slice(Prefix.Length);
        if (body.ContainsAnyExcept(Base62.Digits))
        {
            return false;
        }

        Span<char> expected = stackalloc char[ChecksumLength];
        Base62.WriteFixedWidth(Checksum(body.Slice(0, RandomLength)), expected);
        return expected.SequenceEqual(body.Slice(RandomLength));
    }

    /// <summary>Checks the format, then hashes: the validate path's first step, with no allocation.</summary>
    public static bool TryHash(ReadOnlySpan<char> candidate, out TokenHash hash)
    {
        if (!IsWellFormed(candidate))
        {
            hash = default;
            return false;
        }

        hash = HashWellFormed(candidate);
        return true;
    }

    /// <summary>The lookup hash of a token already known to be well formed: SHA-256 of its 43 ASCII bytes.</summary>
    public static TokenHash HashWellFormed(ReadOnlySpan<char> token)
    {
        Span<byte> ascii = stackalloc byte[Length];
        for (int i = 0; i < Length; i++)
        {
            ascii[i] = (byte)token[i];
        }

        Span<byte> digest = stackalloc byte[TokenHash.Size];
        IncrementalHash sha256 = _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha256.AppendData(ascii);
        sha256.GetHashAndReset(digest);
        return new TokenHash(digest);
    }

    /// <summary>The <c>tokenPrefix</c> shown to administrators.</summary>
    public static string DisplayPrefix(string token) => token[..DisplayPrefixLength];

    private static uint Checksum(ReadOnlySpan<char> random)
    {
        Span<byte> ascii = stackalloc byte[RandomLength];
        for (int i = 0; i < RandomLength; i++)
        {
            ascii[i] = (byte)random[i];
        }

        return Crc32.HashToUInt32(ascii);
    }
}
