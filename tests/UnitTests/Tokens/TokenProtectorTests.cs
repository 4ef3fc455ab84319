using System.Security.Cryptography;
using BlueTokens.Core.Tokens;
using CsCheck;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Tokens;

public sealed class TokenProtectorTests
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Protect_RoundTripsAndNeverHoldsTheClearToken()
    {
        TokenProtector protector = Create(KeyA);
        string token = AccessToken.Generate();

        string protectedValue = protector.Protect(token, "tenant/client");

        Assert.DoesNotContain(token[5..], protectedValue, StringComparison.Ordinal);
        Assert.StartsWith($"v1.{protector.CurrentKeyId}.", protectedValue, StringComparison.Ordinal);
        Assert.True(protector.TryUnprotect(protectedValue, "tenant/client", out string? opened));
        Assert.Equal(token, opened);
    }

    [Fact]
    public void Protect_UsesAFreshNonceEachTime()
    {
        TokenProtector protector = Create(KeyA);
        string token = AccessToken.Generate();
        Assert.NotEqual(protector.Protect(token, "c"), protector.Protect(token, "c"));
    }

    [Fact]
    public void TryUnprotect_FailsCleanlyForEveryAlteredCharacter()
    {
        TokenProtector protector = Create(KeyA);
        string protectedValue = protector.Protect(AccessToken.Generate(), "tenant/client");
        int payloadStart = protectedValue.LastIndexOf('.') + 1;

        for (int i = payloadStart; i < protectedValue.Length; i++)
        {
            char[] altered = protectedValue.ToCharArray();
            altered[i] = altered[i] == 'A' ? 'B' : 'A';
            Assert.False(protector.TryUnprotect(new string(altered), "tenant/client", out _), $"opened with position {i} altered");
        }
    }

    [Fact]
    public void TryUnprotect_FailsUnderAnotherContext()
    {
        TokenProtector protector = Create(KeyA);
        string protectedValue = protector.Protect(AccessToken.Generate(), "tenant-a/client-1");
        Assert.False(protector.TryUnprotect(protectedValue, "tenant-b/client-1", out _));
    }

    [Fact]
    public void TryUnprotect_FailsUnderAnUnknownKey()
    {
        string protectedValue = Create(KeyA).Protect(AccessToken.Generate(), "c");
        Assert.False(Create(KeyB).TryUnprotect(protectedValue, "c", out _));
    }

    [Fact]
    public void TryUnprotect_OpensValuesOfAPreviousKeyAfterRotation()
    {
        string token = AccessToken.Generate();
        string underOldKey = Create(KeyA).Protect(token, "c");
        TokenProtector rotated = Create(KeyB, previous: KeyA);

        Assert.True(rotated.TryUnprotect(underOldKey, "c", out string? opened));
        Assert.Equal(token, opened);
        Assert.True(rotated.NeedsRewrap(underOldKey));
        Assert.False(rotated.NeedsRewrap(rotated.Protect(token, "c")));
    }

    [Fact]
    public void TryUnprotect_PropertyArbitraryInputNeverThrows()
    {
        TokenProtector protector = Create(KeyA);
        string keyId = protector.CurrentKeyId;
        Gen.OneOf(Gen.String, Gen.String.Select(payload => $"v1.{keyId}.{payload}"))
            .Sample(value => !protector.TryUnprotect(value, "c", out _), iter: 10_000);
    }

    private static TokenProtector Create(string key, string? previous = null) =>
        new(Options.Create(new TokenOptions { EncryptionKey = key, PreviousEncryptionKeys = previous }));
}
