using System.Net;
using System.Text.Json;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Expiry;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.SecretScanning;

/// <summary>
/// API.md, "Secret scanning": a signed report of a client's current token disables the client and records the
/// leak, of a token in grace cuts that grace; either way the token stops validating on every instance before the
/// report is answered, with one <c>token.leaked</c> audit event and lifecycle event. Anything else is a false
/// positive and changes nothing; a report made again changes nothing more. Enable is refused until a regenerate.
/// Two instances of one deployment (their own tables, queue and clock), with a local lease of a full second so
/// that a revocation that did not wait it out cannot hide.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LeakRevocationTests(StackFixture stack) : IAsyncLifetime
{
    private const string Url = "https://github.com/octo/app/blob/9f2c/config/.env";

    private readonly SigningKey _key = new();
    private KeyServer _keys = null!;
    private ExpiryTestHost _hostA = null!;
    private ExpiryTestHost _hostB = null!;

    public async Task InitializeAsync()
    {
        _keys = await KeyServer.StartAsync(_key);
        var settings = new Dictionary<string, string?> { ["SecretScanning:KeysUrl"] = _keys.Url, ["Cache:LocalLease"] = "00:00:01" };
        _hostA = ExpiryTestHost.Start(stack, settings);
        _hostB = ExpiryTestHost.Start(stack, settings, _hostA.Clock, _hostA.Prefix, _hostA.QueueName);
    }

    public async Task DisposeAsync()
    {
        await _hostA.DisposeAsync();
        await _hostB.DisposeAsync();
        await _keys.DisposeAsync();
        _key.Dispose();
    }

    private Reporter Reporter => new(_hostA.Factory.CreateClient());

    [Fact]
    public async Task ReportOfACurrentToken_DisablesTheClientOnEveryInstanceBeforeItIsAnswered_WithTheLeakAuditAndEvent()
    {
        AdminApi admin = _hostA.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        Connector[] connectors = await WarmAsync(client.Token);
        _hostA.Clock.Advance(TimeSpan.FromSeconds(1)); // the audit trail is newest first, by time
        DateTimeOffset reportedAt = _hostA.Clock.GetUtcNow();

        using HttpResponseMessage response = await Reporter.ReportAsync(Reporter.Body(client.Token), _key);

        // The moment it is answered, neither instance answers the token from memory, Redis or the table.
        await Connector.AssertAnswersAsync(connectors, new Dictionary<string, string> { [client.Token] = "invalid_token" }, "right after the report");

        // From the table too (the cache's revocation gone, the held answers ended): the leaked token is no token.
        await using (RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString))
        {
            await redis.DeleteAsync(RedisProbe.TokenKey(client.Token));
        }

        await Task.Delay(_hostA.Factory.Services.GetRequiredService<LocalAnswers>().RevocationWait);
        await Connector.AssertAnswersAsync(connectors, new Dictionary<string, string> { [client.Token] = "invalid_token" }, "read from the table");
        string answer = await response.Content.ReadAsStringAsync();
        TokenKit.AssertNoTokenIn(answer, client.Token);
        Assert.Equal(new[] { (Reporter.HashOf(client.Token), "blue_access_token", "true_positive") }, await Reporter.AnswersAsync(response));

        (_, JsonElement read) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal("disabled", read.GetProperty("status").GetString());
        JsonElement leak = read.GetProperty("leak");
        Assert.Equal(["reportedAt", "source", "url"], leak.PropertyNames());
        Assert.Equal(Url, leak.GetProperty("url").GetString());
        Assert.Equal("content", leak.GetProperty("source").GetString());
        Assert.Equal(ToTheMillisecond(reportedAt), ToTheMillisecond(leak.Time("reportedAt")));
        Assert.NotEqual(client.ETag, (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{client.Id}")).Headers.ETag!.ToString());

        JsonElement audit = (await ExpiryTestHost.AuditAsync(admin, client.Id)).First();
        Assert.Equal("token.leaked", audit.GetProperty("action").GetString());
        Assert.Equal("secret-scanning", audit.GetProperty("actor").GetString());
        Assert.Equal(["source", "tokenPrefix", "url"], audit.GetProperty("detail").PropertyNames());
        Assert.Equal(client.Client.GetProperty("tokenPrefix").GetString(), audit.GetProperty("detail").GetProperty("tokenPrefix").GetString());
        Assert.Equal(Url, audit.GetProperty("detail").GetProperty("url").GetString());

        IReadOnlyList<ReceivedEvent> events = await _hostA.SettledEventsAsync();
        ReceivedEvent leaked = Assert.Single(events, e => e.ClientId == client.Id && e.Type == "token.leaked");
        Assert.False(leaked.HoldsAToken, leaked.Json);
        Assert.DoesNotContain(events, e => e.ClientId == client.Id && e.Type == "client.disabled");
    }

    [Fact]
    public async Task ReportOfATokenInGrace_CutsItsGraceOnEveryInstance_AndLeavesTheClientAsItWas()
    {
        AdminApi admin = _hostA.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        (string current, string currentETag) = await RegenerateAsync(admin, client.Id, new { gracePeriodMinutes = 60 });
        Connector[] connectors = await WarmAsync(client.Token, current);
        _hostA.Clock.Advance(TimeSpan.FromSeconds(1)); // the audit trail is newest first, by time

        using HttpResponseMessage response = await Reporter.ReportAsync(Reporter.Body(client.Token), _key);

        await Connector.AssertAnswersAsync(connectors, new Dictionary<string, string> { [client.Token] = "invalid_token", [current] = "valid" }, "right after the report");
        Assert.Equal("true_positive", (await Reporter.AnswersAsync(response)).Single().Label);
        (HttpResponseMessage get, JsonElement read) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal("active", read.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, read.GetProperty("leak").ValueKind);
        Assert.NotEqual(currentETag, get.Headers.ETag!.ToString()); // the version moved: that is what revokes it everywhere

        JsonElement audit = (await ExpiryTestHost.AuditAsync(admin, client.Id)).First();
        Assert.Equal("token.leaked", audit.GetProperty("action").GetString());
        Assert.Equal(client.Client.GetProperty("tokenPrefix").GetString(), audit.GetProperty("detail").GetProperty("tokenPrefix").GetString());
        Assert.Single(await _hostA.SettledEventsAsync(), e => e.ClientId == client.Id && e.Type == "token.leaked");
    }

    [Fact]
    public async Task ReportOfStringsThatAreNoLiveTokenOfOurs_LabelsThemFalsePositive_AndChangesNothing()
    {
        AdminApi admin = _hostA.NewTenant();
        AdminApi.Created bystander = await admin.CreateAsync("BI");
        AdminApi.Created rotated = await admin.CreateAsync("JDBC");
        await RegenerateAsync(admin, rotated.Id, new { gracePeriodMinutes = 0 }); // replaced at once
        AdminApi.Created deleted = await admin.CreateAsync("Analysis");
        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{deleted.Id}")).EnsureSuccessStatusCode();
        string wellFormed = TokenKit.NewWellFormed();
        string badChecksum = bystander.Token[..^1] + (bystander.Token[^1] == 'A' ? 'B' : 'A');
        string[] reported = [wellFormed, badChecksum, rotated.Token, deleted.Token, "ghp_notoneofours", "blue_\u00e9t\u00e9"];
        string bystanderETag = (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{bystander.Id}")).Headers.ETag!.ToString();
        string rotatedETag = (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{rotated.Id}")).Headers.ETag!.ToString();

        using HttpResponseMessage response = await Reporter.ReportAsync(Reporter.Body(reported), _key);

        Assert.Equal(reported.Select(token => (Reporter.HashOf(token), "blue_access_token", "false_positive")).ToArray(), await Reporter.AnswersAsync(response));
        Assert.Equal(bystanderETag, (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{bystander.Id}")).Headers.ETag!.ToString());
        Assert.Equal(rotatedETag, (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{rotated.Id}")).Headers.ETag!.ToString());
        Assert.Equal("valid", (await _hostB.NewConnector().ValidateAsync(bystander.Token)).Outcome);
        Assert.DoesNotContain("token.leaked", (await ExpiryTestHost.AuditAsync(admin, bystander.Id)).Actions());
        Assert.DoesNotContain("token.leaked", (await ExpiryTestHost.AuditAsync(admin, rotated.Id)).Actions());
    }

    [Fact]
    public async Task ReportOfAMixedBatch_AnswersEachItemInOrder_AndRevokesEachTokenOnce()
    {
        AdminApi admin = _hostA.NewTenant();
        AdminApi.Created bi = await admin.CreateAsync("BI");
        AdminApi.Created jdbc = await admin.CreateAsync("JDBC");
        (string jdbcCurrent, _) = await RegenerateAsync(admin, jdbc.Id, new { gracePeriodMinutes = 30 });
        string stranger = TokenKit.NewWellFormed();
        string[] reported = [bi.Token, stranger, jdbc.Token, bi.Token];

        using HttpResponseMessage response = await Reporter.ReportAsync(Reporter.Body(reported), _key);

        Assert.Equal(
            new[] { (Reporter.HashOf(bi.Token), "true_positive"), (Reporter.HashOf(stranger), "false_positive"), (Reporter.HashOf(jdbc.Token), "true_positive"), (Reporter.HashOf(bi.Token), "true_positive") },
            (await Reporter.AnswersAsync(response)).Select(answer => (answer.Hash, answer.Label)).ToArray());
        await Connector.AssertAnswersAsync([_hostA.NewConnector(), _hostB.NewConnector()],
            new Dictionary<string, string> { [bi.Token] = "invalid_token", [jdbc.Token] = "invalid_token", [jdbcCurrent] = "valid" }, "after the batch");
        Assert.Single((await ExpiryTestHost.AuditAsync(admin, bi.Id)).Actions(), action => action == "token.leaked"); // reported twice, revoked once
        Assert.Single((await ExpiryTestHost.AuditAsync(admin, jdbc.Id)).Actions(), action => action == "token.leaked");
    }

    [Fact]
    public async Task ReportMadeAgain_AnswersTheSame_AndChangesNothingMore()
    {
        AdminApi admin = _hostA.NewTenant();
        AdminApi.Created bi = await admin.CreateAsync("BI");
        AdminApi.Created jdbc = await admin.CreateAsync("JDBC");
        await RegenerateAsync(admin, jdbc.Id, new { gracePeriodMinutes = 30 });
        byte[] body = Reporter.Body(bi.Token, jdbc.Token);
        string signature = _key.Sign(body);
        var headers = new Dictionary<string, string> { [Reporter.IdentifierHeader] = _key.Identifier, [Reporter.SignatureHeader] = signature };
        (await Reporter.SendAsync(body, headers)).EnsureSuccessStatusCode();
        (HttpResponseMessage first, JsonElement firstBody) = await admin.GetJsonAsync($"/api/clients/{bi.Id}");
        string jdbcETag = (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{jdbc.Id}")).Headers.ETag!.ToString();
        _hostA.Clock.Advance(TimeSpan.FromMinutes(5));

        // The very same request, signature and all (a replay, or GitHub retrying).
        using HttpResponseMessage again = await Reporter.SendAsync(body, headers);

        Assert.Equal("true_positive", (await Reporter.AnswersAsync(again))[0].Label);
        (HttpResponseMessage second, JsonElement secondBody) = await admin.GetJsonAsync($"/api/clients/{bi.Id}");
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal(firstBody.GetProperty("leak").GetRawText(), secondBody.GetProperty("leak").GetRawText()); // the first report is the one kept
        Assert.Equal(jdbcETag, (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{jdbc.Id}")).Headers.ETag!.ToString());
        Assert.Single((await ExpiryTestHost.AuditAsync(admin, bi.Id)).Actions(), action => action == "token.leaked");
        Assert.Single((await ExpiryTestHost.AuditAsync(admin, jdbc.Id)).Actions(), action => action == "token.leaked");
        IReadOnlyList<ReceivedEvent> events = await _hostA.SettledEventsAsync();
        Assert.Single(events, e => e.ClientId == bi.Id && e.Type == "token.leaked");
        Assert.Single(events, e => e.ClientId == jdbc.Id && e.Type == "token.leaked");
    }

    [Fact]
    public async Task Enable_Is409TokenLeaked_UntilARegenerate_WhichGivesTheLeakedTokenNoGrace_ThenEnableWorks()
    {
        AdminApi admin = _hostA.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        _hostA.Clock.Advance(TimeSpan.FromSeconds(1)); // the audit trail is newest first, by time
        (await Reporter.ReportAsync(Reporter.Body(client.Token), _key)).EnsureSuccessStatusCode();

        using (HttpResponseMessage refused = await admin.PostAsync($"/api/clients/{client.Id}/enable"))
        {
            JsonElement problem = await refused.AssertProblemAsync(409, "token_leaked");
            Assert.Contains("regenerate", problem.GetProperty("detail").GetString()!, StringComparison.OrdinalIgnoreCase);
        }

        (_, JsonElement stillLeaked) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal("disabled", stillLeaked.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Object, stillLeaked.GetProperty("leak").ValueKind);

        // A regenerate clears the leak; the client stays disabled, and the leaked token gets no grace even when asked for.
        _hostA.Clock.Advance(TimeSpan.FromSeconds(1));
        (string fresh, _) = await RegenerateAsync(admin, client.Id, new { gracePeriodMinutes = 60 });
        (_, JsonElement regenerated) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal(JsonValueKind.Null, regenerated.GetProperty("leak").ValueKind);
        Assert.Equal("disabled", regenerated.GetProperty("status").GetString());

        _hostA.Clock.Advance(TimeSpan.FromSeconds(1));
        using (HttpResponseMessage enabled = await admin.PostAsync($"/api/clients/{client.Id}/enable"))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }

        await Connector.AssertAnswersAsync([_hostA.NewConnector(), _hostB.NewConnector()],
            new Dictionary<string, string> { [fresh] = "valid", [client.Token] = "invalid_token" }, "after regenerate and enable");
        Assert.Equal(["client.enabled", "token.regenerated", "token.leaked", "client.created"], (await ExpiryTestHost.AuditAsync(admin, client.Id)).Actions());
    }

    /// <summary>Both instances answer the tokens as valid, the second time from their own memory.</summary>
    private async Task<Connector[]> WarmAsync(params string[] tokens)
    {
        Connector[] connectors = [_hostA.NewConnector(), _hostB.NewConnector()];
        Dictionary<string, string> valid = tokens.ToDictionary(token => token, _ => "valid");
        await Connector.AssertAnswersAsync(connectors, valid, "before the report");
        await Connector.AssertAnswersAsync(connectors, valid, "before the report, again");
        return connectors;
    }

    private static async Task<(string Token, string ETag)> RegenerateAsync(AdminApi admin, string clientId, object body)
    {
        using HttpResponseMessage response = await admin.PostAsync($"/api/clients/{clientId}/token/regenerate", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (JsonDocument.Parse(text).RootElement.GetProperty("token").GetString()!, response.Headers.ETag!.ToString());
    }

    private static DateTimeOffset ToTheMillisecond(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
}
