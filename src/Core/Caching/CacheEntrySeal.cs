using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Makes every value the service writes to Redis authenticated, so that write access to Redis alone cannot make
/// a token valid: a value reads <c>{version}|{generation}|{mac}|{payload}</c>, where the MAC is an HMAC-SHA256
/// (truncated to 128 bits) under a subkey derived from <c>Tokens__EncryptionKey</c>, over the token hash, the
/// version, the generation and the payload. A value that fails it, or that was written under a generation started
/// on another server than the one answering, is read as a miss and the table decides. (A value the service itself
/// once wrote for this token can still be replayed, on the same server, by someone who copied it.)
/// </summary>
internal sealed class CacheEntrySeal : IDisposable
{
    public const int MacBytes = 16;
    public const int MacChars = 22; // base64url of 16 bytes, unpadded

    private const int StackLimit = 1024;
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("blue cache entry mac v1");

    private readonly byte[] _key;

    // One keyed HMAC per thread, reused: the one-shot HMACSHA256.HashData sets the key up anew on every call, which
    // cost ten times the MAC itself on the validate path (bench/Micro, CacheEntryBenchmarks).
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public CacheEntrySeal(IOptions<TokenOptions> options)
    {
        byte[] master = Convert.FromBase64String(options.Value.EncryptionKey);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: Purpose);
        CryptographicOperations.ZeroMemory(master);
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key), trackAllValues: true);
    }

    public void Dispose()
    {
        foreach (IncrementalHash hmac in _hmac.Values)
        {
            hmac.Dispose();
        }

        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    /// <summary>The stored form of <paramref name="payload"/> for the token with this hex hash.</summary>
    public string Seal(string tokenHash, long version, string generation, string payload)
    {
        Span<byte> hash = stackalloc byte[TokenHash.Size];
        Convert.FromHexString(tokenHash, hash, out _, out _);
        Span<byte> mac = stackalloc byte[MacBytes];
        Compute(hash, version, Encoding.ASCII.GetBytes(generation), Encoding.UTF8.GetBytes(payload), mac);
        return $"{version}|{generation}|{Base64Url.EncodeToString(mac)}|{payload}";
    }

    /// <summary>
    /// Reads a stored value on the validate path, allocating nothing but a live entry: a miss unless it is well
    /// formed, written under a generation started on the server whose identity tag is <paramref name="serverTag"/>
    /// (<c>{tag}-{random}</c>), and its MAC holds.
    /// </summary>
    public CachedToken Open(in TokenHash hash, ReadOnlySpan<byte> value, string serverTag)
    {
        if (!TrySplit(value, out long version, out ReadOnlySpan<byte> writtenUnder, out ReadOnlySpan<byte> mac, out ReadOnlySpan<byte> payload)
            || !StartedOn(writtenUnder, serverTag)
            || !Verifies(hash.Bytes, version, writtenUnder, payload, mac))
        {
            return CachedToken.Miss;
        }

        if (payload.SequenceEqual("R"u8))
        {
            return new CachedToken(CachedTokenKind.Revoked, null);
        }

        if (payload.SequenceEqual("U"u8))
        {
            return new CachedToken(CachedTokenKind.Unknown, null);
        }

        return TokenCacheEntry.Read(payload) is { } entry ? new CachedToken(CachedTokenKind.Live, entry) : CachedToken.Miss;
    }

    private static bool StartedOn(ReadOnlySpan<byte> generation, string serverTag)
    {
        if (serverTag.Length == 0 || generation.Length <= serverTag.Length || generation[serverTag.Length] != (byte)'-')
        {
            return false;
        }

        for (int i = 0; i < serverTag.Length; i++)
        {
            if (generation[i] != serverTag[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool TrySplit(ReadOnlySpan<byte> value, out long version, out ReadOnlySpan<byte> generation, out ReadOnlySpan<byte> mac, out ReadOnlySpan<byte> payload)
    {
        version = 0;
        generation = mac = payload = default;
        int bar = value.IndexOf((byte)'|');
        if (bar <= 0 || !Utf8Parser.TryParse(value[..bar], out version, out int consumed) || consumed != bar)
        {
            return false;
        }

        value = value[(bar + 1)..];
        bar = value.IndexOf((byte)'|');
        if (bar < 0)
        {
            return false;
        }

        generation = value[..bar];
        value = value[(bar + 1)..];
        if (value.Length <= MacChars || value[MacChars] != (byte)'|')
        {
            return false;
        }

        mac = value[..MacChars];
        payload = value[(MacChars + 1)..];
        return true;
    }

    private bool Verifies(ReadOnlySpan<byte> hash, long version, ReadOnlySpan<byte> generation, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> mac)
    {
        Span<byte> given = stackalloc byte[MacBytes];
        if (Base64Url.DecodeFromUtf8(mac, given, out int read, out int written) != OperationStatus.Done || read != MacChars || written != MacBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Compute(hash, version, generation, payload, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private void Compute(ReadOnlySpan<byte> hash, long version, ReadOnlySpan<byte> generation, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        // hash | version (8 bytes, big-endian) | generation length (2 bytes) | generation | payload: unambiguous.
        int length = TokenHash.Size + 8 + 2 + generation.Length + payload.Length;
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> message = rented is null ? stackalloc byte[StackLimit] : rented;
        message = message[..length];
        hash.CopyTo(message);
        BinaryPrimitives.WriteInt64BigEndian(message[TokenHash.Size..], version);
        BinaryPrimitives.WriteUInt16BigEndian(message[(TokenHash.Size + 8)..], (ushort)generation.Length);
        generation.CopyTo(message[(TokenHash.Size + 10)..]);
        payload.CopyTo(message[(TokenHash.Size + 10 + generation.Length)..]);

        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        IncrementalHash hmac = _hmac.Value!;
        hmac.AppendData(message);
        hmac.GetHashAndReset(full);
        full[..MacBytes].CopyTo(mac);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
