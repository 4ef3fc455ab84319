using System.Globalization;
using System.Text;
using System.Text.Json;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Json;
using BlueTokens.Core.Tokens;
using CsCheck;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// The validate path's hand-written forms must say exactly what their general forms say: the cache entry reader
/// against the serializer, the UTF-8 key against the string key, the UTF-8 timestamp against the format string.
/// </summary>
public sealed class FastPathFormatTests
{
    private static readonly JsonSerializerOptions TimestampOptions = new() { Converters = { new UtcTimestampConverter() } };

    // Any UTF-16 text without lone surrogates: control characters, quotes and backslashes (escaped in JSON), and
    // non-ASCII letters (Gen.Char alone would give ASCII only).
    private static readonly Gen<string> Text = Gen.String[Gen.Char['\0', '\uD7FF'], 0, 40];

    private static readonly Gen<TokenCacheEntry> Entries =
        Gen.Select(Text, Text, Text, Text, Gen.Long[0, 253_402_300_799_999], Gen.Bool, Gen.Bool)
            .Select((t, c, n, r, e, d, g) => new TokenCacheEntry(t, c, n, r, e, d, g));

    [Fact]
    public void Read_GivesBackWhatSerializeWrote_ForAnyText()
    {
        Entries.Sample(entry => Assert.Equal(entry, TokenCacheEntry.Read(Encoding.UTF8.GetBytes(TokenCache.Serialize(entry)))), iter: 5_000);
    }

    [Fact]
    public void Read_SkipsPropertiesItDoesNotKnow()
    {
        const string Json = """{"x":{"deep":[1,2,{"y":null}]},"t":"a","c":"b","n":"c","r":"d","e":5,"d":false,"g":true,"z":"later"}""";

        Assert.Equal(new TokenCacheEntry("a", "b", "c", "d", 5, false, true), TokenCacheEntry.Read(Encoding.UTF8.GetBytes(Json)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"t":"a","c":"b","n":"c","r":"d","d":false,"g":false}""")] // no expiry
    [InlineData("""{"c":"b","n":"c","r":"d","e":5,"d":false,"g":false}""")] // no tenant
    [InlineData("""{"t":"a","c":"b","n":"c","r":"d","e":"5","d":false,"g":false}""")] // expiry of the wrong type
    [InlineData("""{"t":"a","c":"b","n":"c","r":"d","e":5,"d":"no","g":false}""")] // flag of the wrong type
    [InlineData("""{"t":"a","c":"b","n":"c","r":"d","e":5,"d":false,"g":false""")] // cut short
    [InlineData("""{"t":1,"c":"b","n":"c","r":"d","e":5,"d":false,"g":false}""")] // tenant of the wrong type
    public void Read_RefusesWhatIsNotACompleteEntry(string json)
    {
        Assert.Null(TokenCacheEntry.Read(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Keys_FromTheHash_AreTheKeysOfItsHexString_InOneSlot()
    {
        Gen.Byte.Array[TokenHash.Size].Sample(bytes =>
        {
            var hash = new TokenHash(bytes);
            string hex = hash.ToHex();
            Assert.Equal(CacheKeys.Token(hex), Encoding.UTF8.GetString((byte[])CacheKeys.Token(hash)!));
            Assert.Equal($"blue:{{{hex[..3]}}}:tok:{hex}", CacheKeys.Token(hex));
            Assert.Equal($"blue:{{{hex[..3]}}}:gen", CacheKeys.Generation(CacheKeys.Bucket(hex)));
        });
    }

    [Fact]
    public void Utf8Timestamp_IsTheFormattedText_ForAnyInstant()
    {
        Gen.Long[DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks].Select(Gen.Int[-14 * 60, 14 * 60])
            .Sample((ticks, offsetMinutes) =>
            {
                DateTimeOffset value = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
                Span<byte> buffer = stackalloc byte[32];
                string expected = value.UtcDateTime.ToString(UtcTimestampConverter.Format, CultureInfo.InvariantCulture);
                Assert.Equal(expected, Encoding.UTF8.GetString(buffer[..UtcTimestampConverter.Utf8(value, buffer)]));
                Assert.Equal(expected, UtcTimestampConverter.Text(value));
            }, iter: 20_000);
    }

    [Theory]
    [InlineData(0, "2026-11-28T12:00:00Z")]
    [InlineData(5, "2026-11-28T12:00:00.005Z")]
    [InlineData(120, "2026-11-28T12:00:00.12Z")]
    [InlineData(999, "2026-11-28T12:00:00.999Z")]
    public void Converter_WritesMillisecondsOnlyWhereNonZero(int milliseconds, string expected)
    {
        DateTimeOffset value = new DateTimeOffset(2026, 11, 28, 13, 0, 0, TimeSpan.FromHours(1)).AddMilliseconds(milliseconds);

        Assert.Equal($"\"{expected}\"", JsonSerializer.Serialize(value, TimestampOptions));
    }
}
