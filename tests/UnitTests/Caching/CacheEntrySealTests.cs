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
    private const string Tag = "3f2a9c01b7de";
    private const string Generation = Tag + "-0a1b2c3d4e5f";
    private static readonly TokenCacheEntry Entry = new("tenant-a", "c_01", "BI \"prod\"", "analyst", 1_800_000_000_123, Disabled: false, Grace: false);
    private static readonly CacheEntrySeal Seal = SealUnder(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData("blue_token"u8));

    [Fact]
    public void Open_OfASealedEntry_IsLiveWithTheEntry()
    {
        CachedToken token = Open(Hash, Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry)), Tag);

        Assert.Equal(CachedTokenKind.Live, token.Kind);
        Assert.Equal(Entry, token.Entry);
    }

    [Fact]
    public void Open_OfASealedMarker_IsThatMarker()
    {
        Assert.Equal(CachedTokenKind.Revoked, Open(Hash, Seal.Seal(Hash, 3, Generation, TokenCache.RevokedPayload), Tag).Kind);
        Assert.Equal(CachedTokenKind.Unknown, Open(Hash, Seal.Seal(Hash, 3, Generation, TokenCache.UnknownPayload), Tag).Kind);
    }

    [Fact]
    public void Open_OfAnEntryWithAnyByteAltered_IsAMiss()
    {
        byte[] sealedValue = Encoding.UTF8.GetBytes(Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry with { Disabled = true })));
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
        string forged = $"9|{Generation}|{new string('A', CacheEntrySeal.MacChars)}|{TokenCache.Serialize(Entry)}";
        string otherKey = SealUnder(new byte[32]).Seal(Hash, 9, Generation, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, forged, Tag).Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, otherKey, Tag).Kind);
    }

    [Fact]
    public void Open_OfAnEntrySealedForAnotherToken_IsAMiss()
    {
        string other = Convert.ToHexStringLower(SHA256.HashData("blue_other"u8));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, Seal.Seal(other, 7, Generation, TokenCache.Serialize(Entry)), Tag).Kind);
    }

    [Fact]
    public void Open_OfAnEntryWrittenUnderAGenerationOfAnotherServer_IsAMiss()
    {
        // What a promoted replica holds: entries sealed under the generation its old primary started.
        string sealedValue = Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, "aaaaaaaaaaaa").Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, "").Kind);
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue, Tag[..6]).Kind);
        // The generation named inside the value is sealed too: rewriting it to the answering server's does not help.
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, sealedValue.Replace(Generation, "aaaaaaaaaaaa-0a1b2c3d4e5f", StringComparison.Ordinal), "aaaaaaaaaaaa").Kind);
    }

    [Fact]
    public void Open_OfAnEntryWithItsVersionRaised_IsAMiss()
    {
        string sealedValue = Seal.Seal(Hash, 7, Generation, TokenCache.Serialize(Entry));

        Assert.Equal(CachedTokenKind.Miss, Open(Hash, "8" + sealedValue[1..], Tag).Kind);
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
        Assert.Equal(CachedTokenKind.Miss, Open(Hash, value, Tag).Kind);
    }

    private static CachedToken Open(string hash, string value, string serverTag) => Open(hash, Encoding.UTF8.GetBytes(value), serverTag);

    private static CachedToken Open(string hash, byte[] value, string serverTag) =>
        Seal.Open(new TokenHash(Convert.FromHexString(hash)), value, serverTag);

    private static CacheEntrySeal SealUnder(byte[] key) =>
        new(Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(key) }));
}
