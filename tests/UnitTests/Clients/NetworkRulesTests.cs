using BlueTokens.Core.Clients;

namespace BlueTokens.UnitTests.Clients;

public sealed class NetworkRulesTests
{
    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("255.255.255.255/31", "255.255.255.254/31")]
    [InlineData("192.168.1.130/25", "192.168.1.128/25")]
    [InlineData("2001:DB8::1/32", "2001:db8::/32")]
    [InlineData("2001:db8:0:0:0:0:0:1", "2001:db8::1/128")]
    [InlineData("2001:db8:abcd:12ff::/62", "2001:db8:abcd:12fc::/62")]
    [InlineData("::/0", "::/0")]
    [InlineData("::ffff:203.0.113.77/120", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.77", "203.0.113.77/32")]
    public void Canonicalize_ClearsHostBits_AndWritesTheCanonicalForm(string given, string canonical)
    {
        IReadOnlyList<string>? networks = NetworkRules.Canonicalize([given], out IReadOnlyList<string> errors);

        Assert.Empty(errors);
        Assert.Equal([canonical], networks);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("10.0.0")]
    [InlineData("10")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("010.0.0.1")]
    [InlineData("10.0.0.256")]
    [InlineData("10.0.0.1/33")]
    [InlineData("10.0.0.1/-1")]
    [InlineData("10.0.0.1/+8")]
    [InlineData("10.0.0.1/08")]
    [InlineData("10.0.0.1/")]
    [InlineData("10.0.0.1/8/8")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.1 ")]
    [InlineData("fe80::1%eth0")]
    [InlineData("2001:db8::/129")]
    [InlineData("2001:db8:::1")]
    [InlineData("example.com")]
    public void Canonicalize_RefusesWhatIsNotACidr_NamingTheEntry(string? given)
    {
        IReadOnlyList<string>? networks = NetworkRules.Canonicalize(["10.0.0.0/8", given], out IReadOnlyList<string> errors);

        Assert.Null(networks);
        Assert.StartsWith("Entry 1 ", Assert.Single(errors));
    }

    [Fact]
    public void Canonicalize_KeepsADuplicateOnce_InItsFirstPlace()
    {
        IReadOnlyList<string>? networks = NetworkRules.Canonicalize(["10.0.0.0/8", "192.0.2.1", "10.255.0.0/8"], out _);

        Assert.Equal(["10.0.0.0/8", "192.0.2.1/32"], networks);
    }

    [Fact]
    public void Canonicalize_TakesAtMost32()
    {
        string[] given = [.. Enumerable.Range(0, 33).Select(i => $"10.{i}.0.0/16")];

        Assert.Equal(32, NetworkRules.Canonicalize(given[..32], out _)!.Count);
        Assert.Null(NetworkRules.Canonicalize(given, out IReadOnlyList<string> errors));
        Assert.Contains(errors, error => error.Contains("At most 32", StringComparison.Ordinal));
    }

    [Fact]
    public void Canonicalize_OfNone_IsNone()
    {
        Assert.Equal([], NetworkRules.Canonicalize([], out IReadOnlyList<string> errors));
        Assert.Empty(errors);
    }
}
