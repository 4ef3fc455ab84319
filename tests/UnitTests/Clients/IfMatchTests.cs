using BlueTokens.Core.Clients;

namespace BlueTokens.UnitTests.Clients;

/// <summary>If-Match as RFC 9110 has it: strong comparison, <c>*</c> for any, a list of tags, absent for none.</summary>
public sealed class IfMatchTests
{
    private const string Current = "\"v3\"";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_OfNoHeader_IsNoPrecondition(string? header)
    {
        Assert.True(IfMatch.Parse(header).Matches(Current));
        Assert.True(IfMatch.None.Matches(Current));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("\"v1\", *")]
    public void Matches_AnyTag_WhenTheListHoldsAStar(string header)
    {
        Assert.True(IfMatch.Parse(header).Matches(Current));
    }

    [Theory]
    [InlineData("\"v3\"")]
    [InlineData("\"v1\",\"v3\"")]
    [InlineData(" \"v1\" ,  \"v3\" ")]
    public void Matches_WhenAnyListedTagIsTheCurrentOne(string header)
    {
        Assert.True(IfMatch.Parse(header).Matches(Current));
    }

    [Theory]
    [InlineData("\"v2\"")] // an older version
    [InlineData("W/\"v3\"")] // the weak form: never equal under strong comparison
    [InlineData("\"V3\"")] // tags compare by their exact characters
    [InlineData("v3")] // not quoted: not this tag
    [InlineData("\"v1\", \"v2\"")]
    public void DoesNotMatch_AnyOtherTag(string header)
    {
        Assert.False(IfMatch.Parse(header).Matches(Current));
    }
}
