using System.Text.Json.Nodes;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Events;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using Moq;

namespace BlueTokens.UnitTests.Clients;

/// <summary>Show and Regenerate, the two operations that hand a token out, over a faked store.</summary>
public sealed class ClientServiceTokenTests
{
    private readonly ClientServiceHarness _harness = new();

    [Fact]
    public async Task ShowToken_GivesTheCurrentToken_AuditingWhoAskedWithItsPrefixOnly()
    {
        Outcome<string> shown = await _harness.Service.ShowTokenAsync(_harness.Admin, _harness.Store.Client.Id);

        Assert.Equal(_harness.Token, shown.Value);
        AuditEntity[] audit = FakeClientStore.AuditRows(Assert.Single(_harness.Store.Commits));
        Assert.Equal(2, audit.Length);
        Assert.All(audit, row => Assert.Equal((AuditActions.TokenShown, "admin@contoso"), (row.Action, row.Actor)));
        Assert.Equal($$"""{"tokenPrefix":"{{_harness.Store.Client.TokenPrefix}}"}""", audit[0].Detail);
        Assert.Empty(_harness.Effects.Invocations);
    }

    [Theory]
    [InlineData("000000000000zzzzzzzzzzzzzzzz")]
    [InlineData("no-such-client")]
    public async Task ShowToken_IsNotFound_AndAuditsNothing_ForAClientThatIsNot(string clientId)
    {
        Outcome<string> shown = await _harness.Service.ShowTokenAsync(_harness.Admin, clientId);

        Assert.Equal(FailureKind.NotFound, shown.Failure?.Kind);
        Assert.Empty(_harness.Store.Commits);
    }

    [Fact]
    public async Task ShowToken_IsNotFound_AndAuditsNothing_WhenTheStoredTokenNoLongerOpens()
    {
        _harness.Store.Client = _harness.Store.Client with { ProtectedToken = _harness.Protector.Protect(_harness.Token, "another/client") };

        Outcome<string> shown = await _harness.Service.ShowTokenAsync(_harness.Admin, _harness.Store.Client.Id);

        Assert.Equal(FailureKind.NotFound, shown.Failure?.Kind);
        Assert.Contains("Regenerate", shown.Failure!.Detail, StringComparison.Ordinal);
        Assert.Empty(_harness.Store.Commits);
    }

    [Fact]
    public async Task Regenerate_ReplacesTheToken_KeepsTheOldOneForItsGrace_AndAuditsBothPrefixes()
    {
        ClientRecord before = _harness.Store.Client;
        _harness.Time.Advance(TimeSpan.FromHours(1));
        DateTimeOffset now = _harness.Now;

        Outcome<IssuedToken> outcome = await _harness.Service.RegenerateAsync(_harness.Admin, before.Id, new RegenerateTokenCommand(7, null, 10), IfMatch.None);

        (ClientRecord client, string token) = outcome.Value!;
        Assert.True(AccessToken.IsWellFormed(token));
        Assert.NotEqual(_harness.Token, token);
        Assert.Equal(
            before with
            {
                TokenHash = AccessToken.HashWellFormed(token).ToHex(),
                TokenPrefix = AccessToken.DisplayPrefix(token),
                ProtectedToken = client.ProtectedToken,
                TokenIssuedAt = now,
                ExpiresAt = now.AddDays(7),
                GraceTokens = client.GraceTokens,
                Version = 2,
                UpdatedAt = now,
            },
            client);
        Assert.Equal([new GraceToken(before.TokenHash, before.TokenPrefix, now.AddMinutes(10))], client.GraceTokens);
        Assert.True(_harness.Protector.TryUnprotect(client.ProtectedToken, client.ProtectionContext, out string? opened));
        Assert.Equal(token, opened);
        AuditEntity audit = FakeClientStore.AuditRows(Assert.Single(_harness.Store.Commits))[0];
        Assert.Equal(AuditActions.TokenRegenerated, audit.Action);
        var expected = new JsonObject
        {
            ["tokenPrefix"] = client.TokenPrefix,
            ["previousTokenPrefix"] = before.TokenPrefix,
            ["expiresAt"] = "2026-03-08T13:00:00Z",
            ["gracePeriodMinutes"] = 10,
            ["previousTokenValidUntil"] = "2026-03-01T13:10:00Z",
        };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(audit.Detail!)), audit.Detail);
        _harness.Effects.Verify(e => e.IssuingAsync(before.TenantId, before.Id, client.TokenHash, now, now.AddDays(7), It.IsAny<CancellationToken>()), Times.Once);
        _harness.Effects.Verify(e => e.ChangedAsync(before, client, LifecycleEventTypes.TokenRegenerated), Times.Once);
    }

    [Fact]
    public async Task Regenerate_RefusesABadLifetimeAndGrace_AtOnce_AndIssuesNothing()
    {
        Outcome<IssuedToken> outcome = await _harness.Service.RegenerateAsync(
            _harness.Admin, _harness.Store.Client.Id, new RegenerateTokenCommand(0, null, ClientService.MaxGracePeriodMinutes + 1), IfMatch.None);

        Assert.Equal(FailureKind.Validation, outcome.Failure?.Kind);
        Assert.Equal(["expiresInDays", "gracePeriodMinutes"], outcome.Failure!.Errors!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["gracePeriodMinutes must be 0 to 1440."], outcome.Failure.Errors["gracePeriodMinutes"]);
        Assert.Empty(_harness.Effects.Invocations);
        Assert.Empty(_harness.Store.Commits);
    }

    [Fact]
    public async Task Regenerate_OfAnIdNoClientCanHave_IsNotFound_WithoutIssuingAToken()
    {
        Outcome<IssuedToken> outcome = await _harness.Service.RegenerateAsync(_harness.Admin, "no-such-client", new RegenerateTokenCommand(null, null, null), IfMatch.None);

        Assert.Equal(FailureKind.NotFound, outcome.Failure?.Kind);
        Assert.Empty(_harness.Effects.Invocations);
        Assert.Empty(_harness.Store.Mock.Invocations);
    }

    [Fact]
    public async Task Regenerate_OfAWellFormedIdOfNoClient_IsNotFound_WithoutWritingAnything()
    {
        // A refused request must leave nothing behind: no lookup, no expiry index row for the timer to read.
        Outcome<IssuedToken> outcome = await _harness.Service.RegenerateAsync(
            _harness.Admin, ClientIds.New(_harness.Now), new RegenerateTokenCommand(null, null, null), IfMatch.None);

        Assert.Equal(FailureKind.NotFound, outcome.Failure?.Kind);
        Assert.Empty(_harness.Effects.Invocations);
        Assert.Empty(_harness.Store.Commits);
    }

    [Fact]
    public async Task Regenerate_RemovesTheLookupItWrote_WhenTheIfMatchNoLongerHolds()
    {
        Outcome<IssuedToken> outcome = await _harness.Service.RegenerateAsync(
            _harness.Admin, _harness.Store.Client.Id, new RegenerateTokenCommand(null, null, null), IfMatch.Parse("\"v0\""));

        Assert.Equal(FailureKind.PreconditionFailed, outcome.Failure?.Kind);
        IInvocation issuing = Assert.Single(_harness.Effects.Invocations, call => call.Method.Name == nameof(ClientEffects.IssuingAsync));
        _harness.Effects.Verify(e => e.NotIssuedAsync(
            (string)issuing.Arguments[0], (string)issuing.Arguments[1], (string)issuing.Arguments[2],
            (DateTimeOffset)issuing.Arguments[3], (DateTimeOffset)issuing.Arguments[4]), Times.Once);
        Assert.Empty(_harness.Store.Commits);
    }
}
