using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Makes every value the service writes to Redis authenticated, so that write access to Redis alone cannot make
/// a token valid: a value reads <c>{version}|{generation}|{written}|{mac}|{payload}</c>, where the MAC is an
/// HMAC-SHA256 (truncated to 128 bits) under a subkey derived from <c>Tokens__EncryptionKey</c>, over the token hash,
/// the version, the generation, the write time and the payload. A value that fails it, that was written under a
/// generation started on another server than the one answering, or whose write time is further from the reader's
/// clock than <see cref="TrustedFor"/>, is read as a miss and the table decides.
/// </summary>
/// <remarks>
/// <para>
/// The write time bounds a replay. A value the service once wrote for a token can be copied and written back (with
/// no lifetime) by someone with access to Redis after the token was disabled, deleted or replaced; it is believed
/// only until <see cref="TrustedFor"/> (<c>Cache__MaxEntryLifetime</c> + <c>Cache__FillDeadline</c> +
/// <see cref="ClockAllowance"/>, 10 min 10 s by default) has passed since its original write, by the answering
/// instance's clock. No value the service writes lives longer than <see cref="CacheOptions.LongestLifetime"/> after
/// its write time (the put script cuts a late fill's lifetime by its lateness), so no live value is refused.
/// </para>
/// <para>
/// The write time is Redis's clock (<see cref="CacheClock"/>), never the writer's: every write reads it, from the
/// server of its own slot, just before it is sealed (a management write, a fill, and a replay of pending writes
/// alike, so a replayed write is sealed when it is replayed), and it is the clock the fill deadline and the entry's
/// own lifetime run on. So however many instances write, and however their clocks differ, one clock dates every
/// value, and only the reader's distance from it enters, once: a reader ahead of Redis by less than the allowance
/// refuses no live value; one behind it by up to the allowance believes a copy at most that much longer (the
/// replay is refused at most <see cref="TrustedFor"/> + <see cref="ClockAllowance"/> after the original write). The
/// hit path reads no clock of Redis's: it stays one GET.
/// </para>
/// </remarks>
internal sealed class CacheEntrySeal : IDisposable
{
    public const int MacBytes = 16;
    public const int MacChars = 22; // base64url of 16 bytes, unpadded

    /// <summary>
    /// How far an instance's clock may be from Redis's: NTP keeps cloud hosts within milliseconds of each other, so
    /// 5 s leaves room for a paused or stepped VM and for a reply judged late under load, while adding under 1% to
    /// the default window a replay has.
    /// </summary>
    public static readonly TimeSpan ClockAllowance = TimeSpan.FromSeconds(5);

    private const int StackLimit = 1024;

    // v2: the write time joined the MAC; a value sealed under v1 is a miss (another subkey), and is refilled.
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("blue cache entry mac v2");

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly long _trustedForMs;

    // One keyed HMAC per thread, reused: the one-shot HMACSHA256.HashData sets the key up anew on every call, which
    // cost ten times the MAC itself on the validate path (bench/Micro, CacheEntryBenchmarks).
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public CacheEntrySeal(IOptions<TokenOptions> options, IOptions<CacheOptions> cache, TimeProvider time)
    {
        _time = time;
        TrustedFor = cache.Value.LongestLifetime + ClockAllowance;
        _trustedForMs = (long)TrustedFor.TotalMilliseconds;
        byte[] master = Convert.FromBase64String(options.Value.EncryptionKey);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: Purpose);
        CryptographicOperations.ZeroMemory(master);
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key), trackAllValues: true);
    }

    /// <summary>How far from its write time, by the reader's clock, a value is believed (either way).</summary>
    public TimeSpan TrustedFor { get; }

    public void Dispose()
    {
        foreach (IncrementalHash hmac in _hmac.Values)
        {
            hmac.Dispose();
        }

        _hmac.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    /// <summary>
    /// The stored form of <paramref name="payload"/> for the token with this hex hash, written at
    /// <paramref name="writtenMs"/> (Redis's clock, Unix ms, as the write read it).
    /// </summary>
    public string Seal(string tokenHash, long version, string generation, long writtenMs, string payload)
    {
        Span<byte> hash = stackalloc byte[TokenHash.Size];
        Convert.FromHexString(tokenHash, hash, out _, out _);
        Span<byte> mac = stackalloc byte[MacBytes];
        Compute(hash, version, Encoding.ASCII.GetBytes(generation), writtenMs, Encoding.UTF8.GetBytes(payload), mac);
        return string.Create(CultureInfo.InvariantCulture, $"{version}|{generation}|{writtenMs}|{Base64Url.EncodeToString(mac)}|{payload}");
    }

    /// <summary>
    /// Reads a stored value on the validate path, allocating nothing but a live entry: a miss unless it is well
    /// formed, written under a generation started on the server whose identity tag is <paramref name="serverTag"/>
    /// (<c>{tag}-{random}</c>), written within <see cref="TrustedFor"/> of now, and its MAC holds.
    /// </summary>
    public CachedToken Open(in TokenHash hash, ReadOnlySpan<byte> value, string serverTag)
    {
        if (!TrySplit(value, out long version, out ReadOnlySpan<byte> writtenUnder, out long writtenMs, out ReadOnlySpan<byte> mac, out ReadOnlySpan<byte> payload)
            || !StartedOn(writtenUnder, serverTag)
            || !Recent(writtenMs)
            || !Verifies(hash.Bytes, version, writtenUnder, writtenMs, payload, mac))
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

    /// <summary>
    /// Written within the window either side of the reader's now. A time ahead is believed as far as one behind: a
    /// Redis clock somewhat ahead of the reader's is no replay, and refusing it would not end a replay any sooner;
    /// only a time further ahead than the window (a Redis clock set far forward) is refused, so that no value is
    /// believed for more than twice the window by any one reader.
    /// </summary>
    private bool Recent(long writtenMs)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return writtenMs >= now - _trustedForMs && writtenMs <= now + _trustedForMs;
    }

    private static bool TrySplit(
        ReadOnlySpan<byte> value, out long version, out ReadOnlySpan<byte> generation, out long writtenMs, out ReadOnlySpan<byte> mac, out ReadOnlySpan<byte> payload)
    {
        version = writtenMs = 0;
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
        bar = value.IndexOf((byte)'|');
        if (bar <= 0 || !Utf8Parser.TryParse(value[..bar], out writtenMs, out consumed) || consumed != bar)
        {
            return false;
        }

        value = value[(bar + 1)..];
        if (value.Length <= MacChars || value[MacChars] != (byte)'|')
        {
            return false;
        }

        mac = value[..MacChars];
        payload = value[(MacChars + 1)..];
        return true;
    }

    private bool Verifies(ReadOnlySpan<byte> hash, long version, ReadOnlySpan<byte> generation, long writtenMs, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> mac)
    {
        Span<byte> given = stackalloc byte[MacBytes];
        if (Base64Url.DecodeFromUtf8(mac, given, out int read, out int written) != OperationStatus.Done || read != MacChars || written != MacBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Compute(hash, version, generation, writtenMs, payload, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private void Compute(ReadOnlySpan<byte> hash, long version, ReadOnlySpan<byte> generation, long writtenMs, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        // hash | version, write time (8 bytes each, big-endian) | generation length (2 bytes) | generation | payload:
        // unambiguous.
        const int Fixed = TokenHash.Size + 8 + 8 + 2;
        int length = Fixed + generation.Length + payload.Length;
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> message = rented is null ? stackalloc byte[StackLimit] : rented;
        message = message[..length];
        hash.CopyTo(message);
        BinaryPrimitives.WriteInt64BigEndian(message[TokenHash.Size..], version);
        BinaryPrimitives.WriteInt64BigEndian(message[(TokenHash.Size + 8)..], writtenMs);
        BinaryPrimitives.WriteUInt16BigEndian(message[(TokenHash.Size + 16)..], (ushort)generation.Length);
        generation.CopyTo(message[Fixed..]);
        payload.CopyTo(message[(Fixed + generation.Length)..]);

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
