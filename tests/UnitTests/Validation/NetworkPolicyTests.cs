using System.Net;
using BlueTokens.Core.Validation;

namespace BlueTokens.UnitTests.Validation;

public sealed class NetworkPolicyTests
{
    private static readonly NetworkPolicy Office = NetworkPolicy.Of(["203.0.113.0/24", "2001:db8:5::/48", "198.51.100.9/32"]);

    [Theory]
    [InlineData("203.0.113.0", true)]
    [InlineData("203.0.113.255", true)]
    [InlineData("198.51.100.9", true)]
    [InlineData("::ffff:203.0.113.4", true)]
    [InlineData("2001:db8:5:ffff:1:2:3:4", true)]
    [InlineData("203.0.112.255", false)]
    [InlineData("203.0.114.0", false)]
    [InlineData("198.51.100.10", false)]
    [InlineData("2001:db8:6::1", false)]
    [InlineData("::ffff:198.51.100.10", false)]
    [InlineData("::203.0.113.4", false)] // IPv4-compatible, not mapped: an IPv6 address
    public void Allows_TheAddressesInsideItsNetworks_AndNoOthers(string address, bool allowed)
    {
        Assert.Equal(allowed, Office.Allows(IPAddress.Parse(address)));
    }

    [Fact]
    public void AnEmptyPolicy_AllowsAnySource_EvenAnUnknownOne()
    {
        NetworkPolicy any = NetworkPolicy.Of([]);

        Assert.True(any.AllowsAnySource);
        Assert.True(any.Allows(IPAddress.Parse("192.0.2.1")));
        Assert.True(any.Allows(null));
    }

    [Fact]
    public void APolicy_RefusesAnUnknownSource()
    {
        Assert.False(Office.Allows(null));
    }

    [Fact]
    public void Allows_AllocatesNothing()
    {
        IPAddress inside = IPAddress.Parse("2001:db8:5::1"), outside = IPAddress.Parse("192.0.2.1");
        Office.Allows(inside);
        Office.Allows(outside);

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool allowed = false;
        for (int i = 0; i < 1000; i++)
        {
            allowed ^= Office.Allows(inside) ^ Office.Allows(outside);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(allowed); // 1000 times (true ^ false): an even count
    }
}
