using BlueTokens.Core.Caching;

namespace BlueTokens.UnitTests.Caching;

public sealed class RedisAccessTokenTests
{
    [Fact]
    public void ReadObjectId_GivesTheOidClaim_WithoutCheckingTheSignature()
    {
        string token = FakeEntraToken.Create("""{"aud":"https://redis.azure.com","oid":"6f1c2c1e-4b9a-4a57-9f83-2f4d1d3b7a10","tid":"t"}""");

        Assert.Equal("6f1c2c1e-4b9a-4a57-9f83-2f4d1d3b7a10", RedisAccessToken.ReadObjectId(token));
    }

    [Theory]
    [InlineData("""{"aud":"https://redis.azure.com","sub":"x"}""")] // no oid
    [InlineData("""{"oid":""}""")]
    [InlineData("""{"oid":null}""")]
    public void ReadObjectId_IsNull_WithoutAUsableOid(string payload)
    {
        Assert.Null(RedisAccessToken.ReadObjectId(FakeEntraToken.Create(payload)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("opaque-access-key")]
    [InlineData("a.b")]
    [InlineData("not.base64!.json")]
    [InlineData("e30.bm90IGpzb24.c2ln")] // a payload that is not JSON
    public void ReadObjectId_IsNull_ForWhatIsNotAJwt(string token)
    {
        Assert.Null(RedisAccessToken.ReadObjectId(token));
    }

    [Fact]
    public void ToString_LeavesTheTokenOut()
    {
        var token = new RedisAccessToken("oid-1", "eyJ.secret.token", DateTimeOffset.UnixEpoch);

        Assert.DoesNotContain("secret", token.ToString(), StringComparison.Ordinal);
        Assert.Contains("oid-1", token.ToString(), StringComparison.Ordinal);
    }
}
