using System.Security.Cryptography;
using System.Text;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Tokens;
using CsCheck;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// Cache values are sealed by the service: write access to Redis alone must not make a token valid. Whatever is
/// altered, forged, moved to another token or written under another generation reads as a miss.
/// </summary>
public sealed class CacheEntrySealTests
{
    private const string Generation = "3f2a9c01b7de-0a1b2c3d4e5f";
    private static readonly TokenCacheEntry Entry = new("tenant-a", "c_01", "BI \"prod\"", "analyst", 1_800_000_000_123, Disabled: false, Grace: false);
    private static readonly CacheEntrySeal Seal = SealUnder(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData("blue_token"u8));

    [Fact]
    public void Open_OfASealedEntry_IsLiveWithTheEntry()
    {
        CachedToken token = Open(Hash, Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry)), Generation);

        Assert.Equal(CachedTokenKind.Live, token.Kind);
        Assert.Equal(Entry, token.Entry);
    }

    [Fact]
    public void Open_OfASealedMarker_IsThatMarker()
    {
        Assert.Equal(CachedTokenKind.Revoked, Open(Hash, Seal.Seal(Hash, 3, Generation, TokenCache.RevokedPayload), Generation).Kind);
        Assert.Equal(CachedTokenKind.Unknown, Open(Hash, Seal.Seal(Hash, 3, Generation, TokenCache.UnknownPayload), Generation).Kind);
    }

    [Fact]
    public void Open_OfAnEntryWithAnyByteAltered_IsAMiss()
    {
        byte[] sealedValue = Encoding.UTF8.GetBytes(Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry with { Disabled = true })));
        Gen.Int[0, sealedValue.Length - 1].Select(Gen.Byte[1, 255]).Sample((position, flip) =>
        {
            byte[] altered = (byte[])sealedValue.Clone();
            altered[position] ^= flip;
            Assert.Equal(CachedTokenKind.Miss, Open(Hash, altered, Generation).Kind);
        }, iter: 2_000);
    }

    [Fact]
    public void Open_OfAForgedEntry_IsAMiss()
    {
        // What someone with write access to Redis, but not the service's key, can write: a well-formed value with
        // any MAC, or one sealed under another key.
        string forged = $"9|{Generation}|{new string('A', CacheEntrySeal.MacChars)}|{TokenCache.Serialize(Entry)}";
        string otherKey = SealUnder(new byte[32]).Seal(Hash, 9, Generation, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, forged, Generation).Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, otherKey, Generation).Kind);
    }

    [Fact]
    public void Open_OfAnEntrySealedForAnotherToken_IsAMiss()
    {
        string other = Convert.ToHexStringLower(SHA256.HashData("blue_other"u8));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, Seal.Seal(other, 7, Generation, TokenCache.Serialize(Entry)), Generation).Kind);
    }

    [Fact]
    public void Open_UnderAnotherGeneration_IsAMiss()
    {
        string sealedValue = Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, "3f2a9c01b7de-ffffffffffff").Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, "").Kind);
        // The generation named inside the value is sealed too: rewriting it to the current one does not help.
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue.Replace(Generation, "3f2a9c01b7de-ffffffffffff", StringComparison.Ordinal), "3f2a9c01b7de-ffffffffffff").Kind);
    }

    [Fact]
    public void Open_OfAnEntryWithItsVersionRaised_IsAMiss()
    {
        string sealedValue = Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, "8" + sealedValue[1..], Generation).Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("7|")]
    [InlineData("x|g|AAAAAAAAAAAAAAAAAAAAAA|R")]
    [InlineData("7|g|short|R")]
    [InlineData("R")]
    public void Open_OfAMalformedValue_IsAMiss(string value)
    {
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, value, "g").Kind);
    }

    private static CachedToken Open(string hash, string value, string generation) => Open(hash, Encoding.UTF8.GetBytes(value), generation);

    private static CachedToken Open(string hash, byte[] value, string generation) =>
        Seal.Open(new TokenHash(Convert.FromHexString(hash)), value, Encoding.ASCII.GetBytes(generation));

    private static CacheEntrySeal SealUnder(byte[] key) =>
        new(Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(key) }));
}
