using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Events;

namespace BlueTokens.UnitTests.Clients;

/// <summary>What names and roles may be, what a PATCH changes, and which tokens stay in grace after a rotation.</summary>
public sealed class ClientRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("  BI tools ", "BI tools")]
    [InlineData("JDBC-1.2_x", "JDBC-1.2_x")]
    [InlineData("Kundenübersicht", "Kundenübersicht")]
    public void ValidateName_GivesTheNameTrimmed(string name, string expected)
    {
        Assert.Equal(expected, ClientRules.ValidateName(name, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("", "1 to 64")]
    [InlineData("   ", "1 to 64")]
    [InlineData("BI/2", "'/' is not allowed")]
    [InlineData("BI\u200B", "'U+200B' is not allowed")]
    [InlineData("BI\n", null)] // trimmed away: allowed
    public void ValidateName_RefusesWhatBreaksARule(string name, string? expected)
    {
        string? valid = ClientRules.ValidateName(name, out string? error);
        if (expected is null)
        {
            Assert.Equal("BI", valid);
            return;
        }

        Assert.Null(valid);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateName_CountsCharactersNotUtf16Units()
    {
        Assert.NotNull(ClientRules.ValidateName(string.Concat(Enumerable.Repeat("\U0001D400", ClientRules.MaxNameLength)), out _));
        Assert.Null(ClientRules.ValidateName(new string('a', ClientRules.MaxNameLength + 1), out _));
    }

    [Theory]
    [InlineData("analyst", true)]
    [InlineData("_db.reader$1-x", true)]
    [InlineData("1analyst", false)]
    [InlineData("analyst\n", false)]
    [InlineData("", false)]
    public void IsValidRole_FollowsThePattern(string role, bool valid)
    {
        Assert.Equal(valid, ClientRules.IsValidRole(role, out string? error));
        Assert.Equal(valid, error is null);
    }

    [Fact]
    public void NameKey_IsTheSameForNamesThatDifferOnlyInCase()
    {
        Assert.Equal(ClientRules.NameKey("Bi Tools"), ClientRules.NameKey("bI TOOLS"));
    }

    [Fact]
    public void Update_OfNothingThatDiffers_IsNoChange()
    {
        ClientRecord client = TestClients.Record(Now);

        Assert.IsType<ChangeDecision.NoChange>(ClientRules.Update(client, null, null, null, Now));
        Assert.IsType<ChangeDecision.NoChange>(ClientRules.Update(client, client.Name, client.Role, client.AllowedNetworks, Now));
    }

    [Fact]
    public void Update_RevisesTheClient_AndAuditsEachFieldFromAndTo()
    {
        ClientRecord client = TestClients.Record(Now);
        DateTimeOffset later = Now.AddMinutes(5);

        var update = Assert.IsType<ChangeDecision.Update>(ClientRules.Update(client, "BI-2", client.Role, null, later));

        Assert.Equal(client with { Name = "BI-2", Version = 2, UpdatedAt = later }, update.Client);
        Assert.Equal(AuditActions.ClientUpdated, update.Audit?.Action);
        Assert.Equal("""{"changes":{"name":{"from":"BI","to":"BI-2"}}}""", update.Audit?.Detail?.ToJsonString());
        Assert.Equal(LifecycleEventTypes.ClientUpdated, update.EventType);
    }

    [Fact]
    public void GraceAfterRotation_CutsOlderGraceToTheNewEnd_DropsWhatEnded_AndAddsTheReplacedToken()
    {
        ClientRecord client = TestClients.Record(Now) with
        {
            GraceTokens = [new GraceToken("ended", "blue_ended", Now.AddMinutes(-1)), new GraceToken("longer", "blue_longer", Now.AddHours(5))],
        };

        (IReadOnlyList<GraceToken> grace, DateTimeOffset previousUntil) = ClientRules.GraceAfterRotation(client, Now.AddMinutes(30), Now);

        Assert.Equal([new GraceToken("longer", "blue_longer", Now.AddMinutes(30)), new GraceToken(client.TokenHash, client.TokenPrefix, Now.AddMinutes(30))], grace);
        Assert.Equal(Now.AddMinutes(30), previousUntil);
    }

    [Fact]
    public void GraceAfterRotation_NeverKeepsTheReplacedTokenPastItsOwnExpiry()
    {
        ClientRecord client = TestClients.Record(Now) with { ExpiresAt = Now.AddMinutes(10) };

        (IReadOnlyList<GraceToken> grace, DateTimeOffset previousUntil) = ClientRules.GraceAfterRotation(client, Now.AddMinutes(30), Now);

        Assert.Equal([new GraceToken(client.TokenHash, client.TokenPrefix, Now.AddMinutes(10))], grace);
        Assert.Equal(Now.AddMinutes(10), previousUntil);
    }

    [Fact]
    public void GraceAfterRotation_WithoutGrace_EndsEveryOldTokenNow()
    {
        ClientRecord client = TestClients.Record(Now) with { GraceTokens = [new GraceToken("older", "blue_older", Now.AddHours(1))] };

        (IReadOnlyList<GraceToken> grace, DateTimeOffset previousUntil) = ClientRules.GraceAfterRotation(client, Now, Now);

        Assert.Empty(grace);
        Assert.Equal(Now, previousUntil);
    }
}
