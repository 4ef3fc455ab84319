using System.Net;
using BlueTokens.Core.Validation;
using BlueTokens.Functions.Validation;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.UnitTests.Functions;

public sealed class RequestSourceTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::9", "2001:db8:1:2::/64")]
    [InlineData("::1", "::/64")]
    public void BudgetKey_IsTheIPv4Address_OrTheIPv6Slash64(string address, string key)
    {
        Assert.Equal(key, ValidationSource.From(IPAddress.Parse(address)).BudgetKey);
    }

    [Fact]
    public void Address_OfAnIPv4MappedSource_IsTheIPv4Address()
    {
        Assert.Equal(IPAddress.Parse("203.0.113.7"), ValidationSource.From(IPAddress.Parse("::ffff:203.0.113.7")).Address);
    }

    [Fact]
    public void Of_IsTheResolvedRemoteAddress_WhateverXForwardedForSays_EvenInAzure()
    {
        // WEBSITE_SITE_NAME is what an earlier version read to trust the header's last entry.
        string? site = Environment.GetEnvironmentVariable("WEBSITE_SITE_NAME");
        Environment.SetEnvironmentVariable("WEBSITE_SITE_NAME", "blue-tokens-app");
        try
        {
            var context = new DefaultHttpContext();
            context.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.20");
            context.Request.Headers["X-Forwarded-For"] = "203.0.113.1, 203.0.113.2";

            Assert.Equal(new ValidationSource("198.51.100.20", IPAddress.Parse("198.51.100.20")), RequestSource.Of(context.Request));
        }
        finally
        {
            Environment.SetEnvironmentVariable("WEBSITE_SITE_NAME", site);
        }
    }

    [Fact]
    public void Of_IsUnknown_WithoutARemoteAddress()
    {
        Assert.Equal(ValidationSource.Unknown, RequestSource.Of(new DefaultHttpContext().Request));
    }
}
