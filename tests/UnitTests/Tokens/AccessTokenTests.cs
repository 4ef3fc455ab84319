using System.Text.RegularExpressions;
using BlueTokens.Core.Tokens;
using CsCheck;

namespace BlueTokens.UnitTests.Tokens;

public sealed partial class AccessTokenTests
{
    // Checksums computed independently with Python's zlib.crc32 and a base62 encoder, then written here.
    [Theory]
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL")]
    [InlineData("blue_000000000000000000000000000000002wjyrI")]
    [InlineData("blue_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz4W8LJS")]
    [InlineData("blue_7Hq2xYzKp9LmN3vR8sT1wQ4uE6yB0cDa09Ual5")]
    public void IsWellFormed_AcceptsTokensWithIndependentlyComputedChecksums(string token)
    {
        Assert.True(AccessToken.IsWellFormed(token));
    }

    [Fact]
    public void HashWellFormed_IsSha256OfTheAsciiToken()
    {
        // sha256("blue_7Hq2xYzKp9LmN3vR8sT1wQ4uE6yB0cDa09Ual5"), computed with Python's hashlib.
        Assert.True(AccessToken.TryHash("blue_7Hq2xYzKp9LmN3vR8sT1wQ4uE6yB0cDa09Ual5", out TokenHash hash));
        Assert.Equal("2db4d328adbbec56c0d8e031ec596d4de015f8bdf3e812aac9906728320df186", hash.ToHex());
    }

    [Theory]
    [InlineData("")]
    [InlineData("blue_")]
    [InlineData("Blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL")] // prefix is case-sensitive
    [InlineData("blux_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL")] // wrong prefix
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZd")] // one short
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdLx")] // one long
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTU-1ggZdL")] // not base62
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUVéggZdL")] // non-ASCII
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdM")] // checksum off by one
    [InlineData("blue_1023456789ABCDEFGHIJKLMNOPQRSTUV1ggZdL")] // transposed characters
    [InlineData(" blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZd")] // leading space
    public void IsWellFormed_RejectsMalformedTokens(string candidate)
    {
        Assert.False(AccessToken.IsWellFormed(candidate));
        Assert.False(AccessToken.TryHash(candidate, out _));
    }

    [Fact]
    public void Generate_MatchesTheContractFormat()
    {
        for (int i = 0; i < 1000; i++)
        {
            string token = AccessToken.Generate();
            Assert.Matches(ContractFormat(), token);
            Assert.True(AccessToken.IsWellFormed(token));
        }
    }

    [Fact]
    public void Generate_UsesEveryBase62DigitWithRoughlyEqualFrequency()
    {
        var counts = new Dictionary<char, int>();
        const int tokens = 20_000;
        for (int i = 0; i < tokens; i++)
        {
            foreach (char c in AccessToken.Generate().AsSpan(AccessToken.Prefix.Length, AccessToken.RandomLength))
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        // 640,000 draws over 62 digits: about 10,323 each, standard deviation about 100. A modulo bias
        // (byte % 62 without rejection) would put the first 8 digits near 12,500.
        Assert.Equal(62, counts.Count);
        double expected = tokens * AccessToken.RandomLength / 62.0;
        Assert.All(counts.Values, count => Assert.InRange(count, expected * 0.95, expected * 1.05));
    }

    [Fact]
    public void Generate_PropertyEveryGeneratedTokenParses()
    {
        Gen.Int.Sample(_ => AccessToken.IsWellFormed(AccessToken.Generate()), iter: 5_000);
    }

    [Fact]
    public void IsWellFormed_PropertyEverySingleCharacterChangeIsRejected()
    {
        // Any printable ASCII replacement at any position: CRC-32 detects every single-byte error, and a change
        // in the prefix or the checksum itself can never match either.
        Gen<(int Position, char Replacement)> change = Gen.Select(Gen.Int[0, AccessToken.Length - 1], Gen.Char['!', '~']);
        Gen.Select(Gen.Const(0).Select(_ => AccessToken.Generate()), change).Sample((token, edit) =>
        {
            if (token[edit.Position] == edit.Replacement)
            {
                return true;
            }

            char[] changed = token.ToCharArray();
            changed[edit.Position] = edit.Replacement;
            return !AccessToken.IsWellFormed(changed);
        }, iter: 20_000);
    }

    [Fact]
    public void IsWellFormed_RejectsEverySingleBase62SubstitutionOfOneToken()
    {
        const string token = "blue_7Hq2xYzKp9LmN3vR8sT1wQ4uE6yB0cDa09Ual5";
        char[] buffer = token.ToCharArray();
        for (int position = 0; position < token.Length; position++)
        {
            foreach (char replacement in Base62.Alphabet)
            {
                if (replacement == token[position])
                {
                    continue;
                }

                buffer[position] = replacement;
                Assert.False(AccessToken.IsWellFormed(buffer), $"accepted a change at {position} to '{replacement}'");
            }

            buffer[position] = token[position];
        }
    }

    [Fact]
    public void IsWellFormed_PropertyArbitraryStringsNeverThrow()
    {
        Gen.String.Sample(candidate => AccessToken.IsWellFormed(candidate) || true, iter: 20_000);
        Gen.Char.Array[43].Sample(chars => AccessToken.TryHash(chars, out _) || true, iter: 20_000);
    }

    [Fact]
    public void TryHash_AllocatesNothing()
    {
        string token = AccessToken.Generate();
        string junk = "blue_" + new string('x', 38);
        AccessToken.TryHash(token, out _);
        AccessToken.TryHash(junk, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            AccessToken.TryHash(token, out _);
            AccessToken.TryHash(junk, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DisplayPrefix_IsBluePlusSevenCharacters()
    {
        Assert.Equal("blue_7Hq2xYz", AccessToken.DisplayPrefix("blue_7Hq2xYzKp9LmN3vR8sT1wQ4uE6yB0cDa09Ual5"));
    }

    [GeneratedRegex("^blue_[0-9A-Za-z]{38}$")]
    private static partial Regex ContractFormat();
}
