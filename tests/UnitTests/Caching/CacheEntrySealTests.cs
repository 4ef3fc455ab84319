using System.Security.Cryptography;
using System.Text;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Tokens;
using CsCheck;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// Cache values are sealed by the service: write access to Redis alone must not make a token valid. Whatever is
/// altered, forged, moved to another token, written under another generation or written too long ago reads as a
/// miss.
/// </summary>
public sealed class CacheEntrySealTests
{
    private const string Tag = "3f2a9c01b7de";
    private const string Generation = Tag + "-0a1b2c3d4e5f";
    private static readonly TokenCacheEntry Entry = new("tenant-a", "c_01", "BI \"prod\"", "analyst", 1_800_000_000_123, Disabled: false, Grace: false);
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData("blue_token"u8));

    // The bound under the default settings: MaxEntryLifetime 10 min + FillDeadline 5 s + the 5 s clock allowance.
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(5) + CacheEntrySeal.ClockAllowance;

    // The reader's clock (each test has its own); values are sealed at its now unless a test says otherwise.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000));
    private readonly CacheEntrySeal _seal;

    public CacheEntrySealTests() => _seal = SealUnder(Key, _clock);

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public void Open_OfASealedEntry_IsLiveWithTheEntry()
    {
        CachedToken token = Open(Hash, _seal.Seal(Hash, 7, Generation, Now, TokenCache.Serialize(Entry)), Tag);

        Assert.Equal(CachedTokenKind.Live, token.Kind);
        Assert.Equal(Entry, token.Entry);
    }

    [Fact]
    public void Open_OfASealedMarker_IsThatMarker()
    {
        Assert.Equal(CachedTokenKind.Revoked, Open(Hash, _seal.Seal(Hash, 3, Generation, Now, TokenCache.RevokedPayload), Tag).Kind);
        Assert.Equal(CachedTokenKind.Unknown, Open(Hash, _seal.Seal(Hash, 3, Generation, Now, TokenCache.UnknownPayload), Tag).Kind);
    }

    [Fact]
    public void Open_OfAnEntryWithAnyByteAltered_IsAMiss()
    {
        byte[] sealedValue = Encoding.UTF8.GetBytes(_seal.Seal(Hash, 7, Generation, Now, TokenCache.Serialize(Entry with { Disabled = true })));
        Gen.Int[0, sealedValue.Length - 1].Select(Gen.Byte[1, 255]).Sample((position, flip) =>
        {
            byte[] altered = (byte[])sealedValue.Clone();
            altered[position] ^= flip;
            Assert.Equal(CachedTokenKind.Miss, Open(Hash, altered, Tag).Kind);
        }, iter: 2_000);
    }

    [Fact]
    public void Open_OfAForgedEntry_IsAMiss()
    {
        // What someone with write access to Redis, but not the service's key, can write: a well-formed value with
        // any MAC, or one sealed under another key.
        string forged = $"9|{Generation}|{Now}|{new string('A', CacheEntrySeal.MacChars)}|{TokenCache.Serialize(Entry)}";
        string otherKey = SealUnder(new byte[32], _clock).Seal(Hash, 9, Generation, Now, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, forged, Tag).Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, otherKey, Tag).Kind);
    }

    [Fact]
    public void Open_OfAnEntrySealedForAnotherToken_IsAMiss()
    {
        string other = Convert.ToHexStringLower(SHA256.HashData("blue_other"u8));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, _seal.Seal(other, 7, Generation, Now, TokenCache.Serialize(Entry)), Tag).Kind);
    }

    [Fact]
    public void Open_OfAnEntryWrittenUnderAGenerationOfAnotherServer_IsAMiss()
    {
        // What a promoted replica holds: entries sealed under the generation its old primary started.
        string sealedValue = _seal.Seal(Hash, 7, Generation, Now, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, "aaaaaaaaaaaa").Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, "").Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, Tag[..6]).Kind);
        // The generation named inside the value is sealed too: rewriting it to the answering server's does not help.
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue.Replace(Generation, "aaaaaaaaaaaa-0a1b2c3d4e5f", StringComparison.Ordinal), "aaaaaaaaaaaa").Kind);
    }

    [Fact]
    public void Open_OfAnEntryWithItsVersionRaised_IsAMiss()
    {
        string sealedValue = _seal.Seal(Hash, 7, Generation, Now, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, "8" + sealedValue[1..], Tag).Kind);
    }

    [Theory]
    [InlineData("E")] // a live entry
    [InlineData(TokenCache.RevokedPayload)]
    [InlineData(TokenCache.UnknownPayload)]
    public void Open_OfAValueWrittenLongerAgoThanTheBound_IsAMiss(string payload)
    {
        // A copy kept from a live token and written back, with no lifetime, after the admin disabled, deleted or
        // replaced it: believed until the bound has passed since the write it copies, and not a millisecond longer.
        string sealedValue = _seal.Seal(Hash, 7, Generation, Now, payload == "E" ? TokenCache.Serialize(Entry) : payload);
        CachedTokenKind kind = Open(Hash, sealedValue, Tag).Kind;
        Assert.NotEqual(CachedTokenKind.Miss, kind);

        _clock.Advance(Bound);
        Assert.Equal(kind, Open(Hash, sealedValue, Tag).Kind);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, Tag).Kind);
        _clock.Advance(TimeSpan.FromDays(365));
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, Tag).Kind);
    }

    [Fact]
    public void Open_OfAValueWrittenAheadOfTheReadersClock_IsBelievedWithinTheBound()
    {
        // Redis's clock (which dates every write) ahead of this instance's: believed, except where it is further
        // ahead than the bound itself.
        string entry = TokenCache.Serialize(Entry);

        Assert.Equal(CachedTokenKind.Live, Open(Hash, _seal.Seal(Hash, 7, Generation, Now + (long)CacheEntrySeal.ClockAllowance.TotalMilliseconds, entry), Tag).Kind);
        Assert.Equal(CachedTokenKind.Live, Open(Hash, _seal.Seal(Hash, 7, Generation, Now + (long)Bound.TotalMilliseconds, entry), Tag).Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, _seal.Seal(Hash, 7, Generation, Now + (long)Bound.TotalMilliseconds + 1, entry), Tag).Kind);
    }

    [Fact]
    public void Open_OfAnOldValueWithItsWriteTimeMadeFresh_IsAMiss()
    {
        // The write time is sealed: rewriting a stale copy's time to now does not buy it a new window.
        long stale = Now - (long)Bound.TotalMilliseconds - 60_000;
        string sealedValue = _seal.Seal(Hash, 7, Generation, stale, TokenCache.Serialize(Entry));
        string refreshed = sealedValue.Replace($"|{stale}|", $"|{Now}|", StringComparison.Ordinal);

        Assert.NotEqual(sealedValue, refreshed);
        Assert.Equal(CachedTokenKind.Live, Open(Hash, _seal.Seal(Hash, 7, Generation, Now, TokenCache.Serialize(Entry)), Tag).Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, Tag).Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, refreshed, Tag).Kind);
    }

    [Fact]
    public void TheBound_IsTheLongestLifetimeOfTheSettings_PlusTheClockAllowance()
    {
        var settings = new CacheOptions { MaxEntryLifetime = TimeSpan.FromMinutes(1), FillDeadline = TimeSpan.FromSeconds(1) };
        CacheEntrySeal seal = SealUnder(Key, _clock, settings);
        string sealedValue = seal.Seal(Hash, 7, Generation, Now, TokenCache.Serialize(Entry));

        Assert.Equal(TimeSpan.FromSeconds(61) + CacheEntrySeal.ClockAllowance, seal.TrustedFor);
        Assert.Equal(Bound, _seal.TrustedFor);
        _clock.Advance(seal.TrustedFor);
        Assert.Equal(CachedTokenKind.Live, seal.Open(new TokenHash(Convert.FromHexString(Hash)), Encoding.UTF8.GetBytes(sealedValue), Tag).Kind);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(CachedTokenKind.Miss, seal.Open(new TokenHash(Convert.FromHexString(Hash)), Encoding.UTF8.GetBytes(sealedValue), Tag).Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("7|")]
    [InlineData("x|g|AAAAAAAAAAAAAAAAAAAAAA|R")]
    [InlineData("7|g|short|R")]
    [InlineData("R")]
    [InlineData("7|g|1790000000000|AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("7|g||AAAAAAAAAAAAAAAAAAAAAA|R")]
    [InlineData("7|g|soon|AAAAAAAAAAAAAAAAAAAAAA|R")]
    [InlineData("7|g|AAAAAAAAAAAAAAAAAAAAAA|R")] // the layout before the write time was sealed
    public void Open_OfAMalformedValue_IsAMiss(string value)
    {
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, value, "g").Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, value, Tag).Kind);
    }

    private CachedToken Open(string hash, string value, string serverTag) => Open(hash, Encoding.UTF8.GetBytes(value), serverTag);

    private CachedToken Open(string hash, byte[] value, string serverTag) =>
        _seal.Open(new TokenHash(Convert.FromHexString(hash)), value, serverTag);

    private static CacheEntrySeal SealUnder(byte[] key, TimeProvider clock, CacheOptions? settings = null) =>
        new(Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(key) }), Options.Create(settings ?? new CacheOptions()), clock);
}
