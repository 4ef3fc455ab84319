using System.Security.Cryptography;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Clients;

/// <summary>
/// Paging tokens open only for the tenant and the query they were issued for, under the key that issued them;
/// any altered character, or anything else, is refused.
/// </summary>
public sealed class ContinuationTokensTests
{
    private const string Tenant = "tenant-a";
    private const string Scope = "clients|";
    private const string RowKey = "client|0193a5b2c3d4abcdefghjkmnpqrs";

    private const string Base64UrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private readonly ContinuationTokens _tokens = Create(NewKey());

    [Fact]
    public void TryUnprotect_GivesTheRowKeyBack_ForTheTenantAndQueryItWasIssuedFor()
    {
        string token = _tokens.Protect(RowKey, Tenant, Scope);

        Assert.True(_tokens.TryUnprotect(token, Tenant, Scope, out string rowKey));
        Assert.Equal(RowKey, rowKey);
    }

    [Theory]
    [InlineData("tenant-b", Scope)]
    [InlineData(Tenant, "clients|Disabled")]
    [InlineData(Tenant, "audit|")]
    public void TryUnprotect_Refuses_AnotherTenantOrQuery(string tenant, string scope)
    {
        string token = _tokens.Protect(RowKey, Tenant, Scope);

        Assert.False(_tokens.TryUnprotect(token, tenant, scope, out string rowKey));
        Assert.Equal("", rowKey);
    }

    [Fact]
    public void TryUnprotect_Refuses_ATokenIssuedUnderAnotherKey()
    {
        string token = Create(NewKey()).Protect(RowKey, Tenant, Scope);

        Assert.False(_tokens.TryUnprotect(token, Tenant, Scope, out _));
    }

    [Fact]
    public void TryUnprotect_Refuses_EveryTokenWithOneCharacterChanged()
    {
        string token = _tokens.Protect(RowKey, Tenant, Scope);

        for (int i = 0; i < token.Length; i++)
        {
            string altered = token[..i] + Altered(token[i]) + token[(i + 1)..];
            Assert.False(_tokens.TryUnprotect(altered, Tenant, Scope, out _), $"accepted with character {i} changed: {altered}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-dot")]
    [InlineData(".bWFj")] // no payload
    [InlineData("cGF5bG9hZA.")] // no MAC
    [InlineData("not base64!.AAAA")]
    public void TryUnprotect_Refuses_WhatIsNoToken(string token)
    {
        Assert.False(_tokens.TryUnprotect(token, Tenant, Scope, out _));
    }

    [Fact]
    public void TryUnprotect_Refuses_ATokenOver1024Characters_EvenOneItIssued()
    {
        string longest = _tokens.Protect(new string('k', 750), Tenant, Scope);
        string tooLong = _tokens.Protect(new string('k', 751), Tenant, Scope);

        Assert.Equal((1023, 1025), (longest.Length, tooLong.Length));
        Assert.True(_tokens.TryUnprotect(longest, Tenant, Scope, out _));
        Assert.False(_tokens.TryUnprotect(tooLong, Tenant, Scope, out _));
    }

    [Fact]
    public void NotIssued_IsAnInvalidQuery_NamingTheContinuationToken()
    {
        Assert.Equal(FailureKind.InvalidQuery, ContinuationTokens.NotIssued.Kind);
        Assert.Equal(["continuationToken"], ContinuationTokens.NotIssued.Errors!.Keys);
    }

    /// <summary>
    /// Another character for the one given, differing in the top bit of its six: the last character of a
    /// base64url segment carries unused low bits, which decoders ignore.
    /// </summary>
    private static char Altered(char c) => c == '.' ? 'A' : Base64UrlAlphabet[Base64UrlAlphabet.IndexOf(c, StringComparison.Ordinal) ^ 32];

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static ContinuationTokens Create(string key) => new(Options.Create(new TokenOptions { EncryptionKey = key }));
}
