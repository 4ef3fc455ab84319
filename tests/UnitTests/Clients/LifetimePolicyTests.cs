using BlueTokens.Core.Clients;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Clients;

/// <summary>
/// When a new token expires: the default, <c>expiresInDays</c> or <c>expiresAt</c> (not both), within
/// [now + Tokens__MinLifetime, now + Tokens__MaxLifetimeDays].
/// </summary>
public sealed class LifetimePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly LifetimePolicy _policy = Policy(new TokenOptions());

    [Fact]
    public void Resolve_GivesTheDefaultLifetime_WhenNeitherIsGiven()
    {
        Assert.Equal(Now.AddDays(90), _policy.Resolve(null, null, Now).Value);
        Assert.Equal(Now.AddDays(7), Policy(new TokenOptions { DefaultLifetimeDays = 7 }).Resolve(null, null, Now).Value);
    }

    [Fact]
    public void Resolve_RefusesBoth_OnExpiresAt()
    {
        Outcome<DateTimeOffset> outcome = _policy.Resolve(30, Now.AddDays(30), Now);

        AssertInvalid(outcome, "expiresAt", "Give expiresAt or expiresInDays, not both.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(365)]
    public void Resolve_GivesNowPlusTheDays_WithinThePolicy(int days)
    {
        Assert.Equal(Now.AddDays(days), _policy.Resolve(days, null, Now).Value);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)] // below the one-day minimum
    [InlineData(366)]
    public void Resolve_RefusesDays_OutsideThePolicy(int days)
    {
        AssertInvalid(_policy.Resolve(days, null, Now), "expiresInDays", "expiresInDays must give a lifetime between 1 day(s) and 365 days.");
    }

    [Fact]
    public void Resolve_AcceptsZeroDays_WhereTheMinimumIsZero()
    {
        LifetimePolicy policy = Policy(new TokenOptions { MinLifetime = TimeSpan.Zero });

        Assert.Equal(Now, policy.Resolve(0, null, Now).Value);
    }

    [Fact]
    public void Resolve_GivesExpiresAtInUtc_ToTheMillisecond()
    {
        var at = new DateTimeOffset(2026, 3, 11, 14, 0, 0, TimeSpan.FromHours(2)).AddTicks(12_345);

        DateTimeOffset resolved = _policy.Resolve(null, at, Now).Value;

        Assert.Equal(new DateTimeOffset(2026, 3, 11, 12, 0, 0, 1, TimeSpan.Zero), resolved);
        Assert.Equal(TimeSpan.Zero, resolved.Offset);
    }

    [Fact]
    public void Resolve_AcceptsExpiresAt_AtEitherBound()
    {
        Assert.Equal(Now.AddDays(1), _policy.Resolve(null, Now.AddDays(1), Now).Value);
        Assert.Equal(Now.AddDays(365), _policy.Resolve(null, Now.AddDays(365), Now).Value);
    }

    [Theory]
    [InlineData(-1.0)] // in the past
    [InlineData(0.5)] // below the one-day minimum
    [InlineData(365.001)]
    public void Resolve_RefusesExpiresAt_OutsideThePolicy(double daysOn)
    {
        AssertInvalid(_policy.Resolve(null, Now.AddDays(daysOn), Now), "expiresAt", "expiresAt must lie between now + 1 day(s) and now + 365 days.");
    }

    [Fact]
    public void Resolve_NamesAMinimumOfPartDays_AsATimeSpan()
    {
        LifetimePolicy policy = Policy(new TokenOptions { MinLifetime = TimeSpan.FromHours(12) });

        AssertInvalid(policy.Resolve(null, Now.AddHours(11), Now), "expiresAt", "expiresAt must lie between now + 12:00:00 and now + 365 days.");
        Assert.Equal(Now.AddHours(12), policy.Resolve(null, Now.AddHours(12), Now).Value);
    }

    private static LifetimePolicy Policy(TokenOptions options) => new(Options.Create(options));

    private static void AssertInvalid(Outcome<DateTimeOffset> outcome, string field, string message)
    {
        Assert.False(outcome.Succeeded);
        Assert.Equal(FailureKind.Validation, outcome.Failure!.Kind);
        Assert.Equal([field], outcome.Failure.Errors!.Keys);
        Assert.Equal([message], outcome.Failure.Errors[field]);
    }
}
