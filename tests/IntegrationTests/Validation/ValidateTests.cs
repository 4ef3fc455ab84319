using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// The contract of <c>POST /api/validate</c> as a connector sees it (API.md, "Access tokens", the validate row,
/// "Validate answers 401 ..." and "Lifetime"): the 200 body field by field, where the token may come from, every
/// 401 code and which wins, grace periods, changes taking effect at the next validate, a Redis flush, lastUsedAt,
/// bad bodies, and that no problem body ever echoes a token.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ValidateTests(StackFixture stack) : ApiTestBase(stack)
{
    /// <summary>The fields of a validate success in API.md, sorted.</summary>
    private static readonly string[] ValidFields = ["clientId", "clientName", "expiresAt", "role", "tenantId", "valid"];

    // ---- success ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ValidToken_AsBearerOrInBody_Returns200WithExactlyTheClient(bool inBody)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", "analyst", new { expiresInDays = 30 });

        using HttpResponseMessage response = await SendValidateAsync(
            bearer: inBody ? null : created.Token,
            json: inBody ? JsonSerializer.Serialize(new { token = created.Token }) : null);

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(ValidFields, body.PropertyNames());
        Assert.Equal(JsonValueKind.True, body.GetProperty("valid").ValueKind);
        Assert.Equal(admin.Tenant, body.GetProperty("tenantId").GetString());
        Assert.Equal(created.Id, body.GetProperty("clientId").GetString());
        Assert.Equal("BI", body.GetProperty("clientName").GetString());
        Assert.Equal("analyst", body.GetProperty("role").GetString());
        Assert.Equal(created.Client.Time("expiresAt"), body.Time("expiresAt"));
    }

    [Fact]
    public async Task BothGiven_ValidBearerAndJunkBody_BearerWins_200()
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI");

        using HttpResponseMessage response = await SendValidateAsync(bearer: created.Token, json: """{"token":"junk"}""");

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"the bearer should win: got {(int)response.StatusCode}: {text}");
        Assert.Equal(created.Id, JsonDocument.Parse(text).RootElement.GetProperty("clientId").GetString());
    }

    [Fact]
    public async Task BothGiven_JunkBearerAndValidBody_BearerWins_401InvalidToken()
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI");

        using HttpResponseMessage response = await SendValidateAsync(bearer: "junk", json: JsonSerializer.Serialize(new { token = created.Token }));

        await AssertRefusedAsync(response, "invalid_token", created.Token);
    }

    [Fact]
    public async Task NeedsNoJwt_AndAnAdminJwtIsNoAccessToken()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        // The connector sends no JWT at all: accepted.
        Assert.Equal("valid", (await new Connector(Host.CreateClient()).ValidateAsync(created.Token)).Outcome);

        // An admin's JWT where the access token belongs is not a token: refused, and not echoed.
        string jwt = TestJwt.Admin(admin.Tenant);
        using HttpResponseMessage response = await SendValidateAsync(bearer: jwt);
        JsonElement problem = await AssertRefusedAsync(response, "invalid_token", jwt);
        foreach (string part in jwt.Split('.').Where(part => part.Length >= 8))
        {
            Assert.DoesNotContain(part, problem.GetRawText(), StringComparison.Ordinal);
        }
    }

    // ---- invalid_token ------------------------------------------------------------------------------------

    public enum Refusal
    {
        NoTokenAtAll,
        EmptyObjectBody,
        NullTokenInBody,
        MalformedAsBearer,
        MalformedInBody,
        BadChecksumAsBearer,
        BadChecksumInBody,
        WrongPrefix,
        UpperCasePrefix,
        TooLong,
        UnknownWellFormedAsBearer,
        UnknownWellFormedInBody,
    }

    [Theory]
    [InlineData(Refusal.NoTokenAtAll)]
    [InlineData(Refusal.EmptyObjectBody)]
    [InlineData(Refusal.NullTokenInBody)]
    [InlineData(Refusal.MalformedAsBearer)]
    [InlineData(Refusal.MalformedInBody)]
    [InlineData(Refusal.BadChecksumAsBearer)]
    [InlineData(Refusal.BadChecksumInBody)]
    [InlineData(Refusal.WrongPrefix)]
    [InlineData(Refusal.UpperCasePrefix)]
    [InlineData(Refusal.TooLong)]
    [InlineData(Refusal.UnknownWellFormedAsBearer)]
    [InlineData(Refusal.UnknownWellFormedInBody)]
    public async Task NotAToken_Returns401InvalidToken(Refusal refusal)
    {
        // Each defect is applied to a real, valid token, so that the defect is the only reason to refuse it.
        AdminApi.Created created = await NewTenant().CreateAsync("BI");
        string real = created.Token;
        string badChecksum = real[..^1] + (real[^1] == '0' ? '1' : '0');
        string unknown = TokenKit.NewWellFormed();

        (string? bearer, string? json, string presented) = refusal switch
        {
            Refusal.NoTokenAtAll => ((string?)null, (string?)null, real),
            Refusal.EmptyObjectBody => (null, "{}", real),
            Refusal.NullTokenInBody => (null, """{"token":null}""", real),
            Refusal.MalformedAsBearer => ("blue_abc", null, "blue_abc"),
            Refusal.MalformedInBody => (null, """{"token":"blue_abc"}""", "blue_abc"),
            Refusal.BadChecksumAsBearer => (badChecksum, null, badChecksum),
            Refusal.BadChecksumInBody => (null, Body(badChecksum), badChecksum),
            Refusal.WrongPrefix => ("bleu_" + real[5..], null, "bleu_" + real[5..]),
            Refusal.UpperCasePrefix => ("BLUE_" + real[5..], null, "BLUE_" + real[5..]),
            Refusal.TooLong => (real + "0", null, real + "0"),
            Refusal.UnknownWellFormedAsBearer => (unknown, null, unknown),
            _ => (null, Body(unknown), unknown),
        };

        using HttpResponseMessage response = await SendValidateAsync(bearer, json);

        await AssertRefusedAsync(response, "invalid_token", presented);
        Assert.Equal("valid", (await new Connector(Host.CreateClient()).ValidateAsync(real)).Outcome); // the real one still is
    }

    [Fact]
    public async Task BadChecksum_IsRejectedBeforeAnyCacheOrStoreIsAsked()
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI");
        string badChecksum = created.Token[..^1] + (created.Token[^1] == '0' ? '1' : '0');
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal("invalid_token", (await new Connector(Host.CreateClient()).ValidateAsync(badChecksum)).Outcome);
        }

        // Had the service looked the string up (cache, then table), it would have remembered the miss under its hash.
        Assert.True((await redis.GetAsync(RedisProbe.TokenKey(badChecksum))).IsNull, "a string failing its checksum must not reach the cache");
    }

    [Fact]
    public async Task UnknownWellFormedToken_IsLookedUp_AndItsMissIsRemembered()
    {
        // The other side of the test above: a string with API.md's format and checksum (made by TokenKit, apart from
        // the service's code) gets past the checksum, is looked up, and its miss is cached under its hash.
        string unknown = TokenKit.NewWellFormed();
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);

        Assert.Equal("invalid_token", (await new Connector(Host.CreateClient()).ValidateAsync(unknown)).Outcome);

        Assert.False((await redis.GetAsync(RedisProbe.TokenKey(unknown))).IsNull, "a well-formed token must reach the lookup, and its miss the cache");
    }

    [Fact]
    public async Task TheTestsChecksum_AcceptsEveryTokenTheServiceIssues()
    {
        AdminApi admin = NewTenant();
        for (int i = 0; i < 5; i++)
        {
            AdminApi.Created created = await admin.CreateAsync($"C{i}");
            Assert.True(TokenKit.IsWellFormed(created.Token), "an issued token must carry the CRC-32 base62 checksum of API.md");
        }
    }

    [Fact]
    public async Task DeletedClientsToken_Returns401InvalidToken_FromCacheAndFromStorage()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(created.Token)).Outcome);
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);

        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{created.Id}")).EnsureSuccessStatusCode();

        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token), "invalid_token", created.Token);
        await redis.DeleteAsync(RedisProbe.TokenKey(created.Token));
        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token), "invalid_token", created.Token);
    }

    [Fact]
    public async Task ReplacedToken_WithoutGrace_Returns401InvalidToken_AndTheNewOneIsValid()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(created.Token)).Outcome);
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);

        (string newToken, JsonElement client) = await RegenerateAsync(admin, created.Id, """{"gracePeriodMinutes":0}""");

        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token), "invalid_token", created.Token);
        await redis.DeleteAsync(RedisProbe.TokenKey(created.Token));
        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token), "invalid_token", created.Token);
        Connector.Answer fresh = await connector.ValidateAsync(newToken);
        Assert.Equal("valid", fresh.Outcome);
        Assert.Equal(client.Time("expiresAt"), fresh.Body.Time("expiresAt"));
    }

    // ---- disabled and expired -----------------------------------------------------------------------------

    [Fact]
    public async Task DisabledClient_Returns401Disabled_FromCacheAndFromStorage()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(created.Token)).Outcome);
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);

        (await admin.PostAsync($"/api/clients/{created.Id}/disable")).EnsureSuccessStatusCode();

        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token), "disabled", created.Token);
        await redis.DeleteAsync(RedisProbe.TokenKey(created.Token));
        await AssertRefusedAsync(await SendValidateAsync(json: Body(created.Token)), "disabled", created.Token);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DisabledAndExpired_Returns401Disabled_DisabledIsCheckedFirst(bool warm)
    {
        ClockedHost host = HostWithClock();
        HttpClient http = host.Factory.CreateClient();
        AdminApi admin = host.NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", lifetime: new { expiresInDays = 1 });
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        if (warm)
        {
            Assert.Equal("valid", (await host.NewConnector().ValidateAsync(created.Token)).Outcome);
        }

        (await admin.PostAsync($"/api/clients/{created.Id}/disable")).EnsureSuccessStatusCode();
        host.Clock.Advance(TimeSpan.FromDays(1));
        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token, http: http), "disabled", created.Token);
        await redis.DeleteAsync(RedisProbe.TokenKey(created.Token)); // the next validate judges what storage holds

        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token, http: http), "disabled", created.Token);
        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token, http: http), "disabled", created.Token); // and from the refilled cache
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExpiredClient_Returns401Expired(bool warm)
    {
        ClockedHost host = HostWithClock();
        HttpClient http = host.Factory.CreateClient();
        AdminApi.Created created = await host.NewTenant().CreateAsync("BI", lifetime: new { expiresInDays = 1 });
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        if (warm)
        {
            // Validated once, so the cache holds it as valid: the clock alone must then make it expired.
            Assert.Equal("valid", (await host.NewConnector().ValidateAsync(created.Token)).Outcome);
        }

        host.Clock.Advance(TimeSpan.FromDays(1));
        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token, http: http), "expired", created.Token);
        await redis.DeleteAsync(RedisProbe.TokenKey(created.Token)); // the next validates judge what storage holds

        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token, http: http), "expired", created.Token);
        await AssertRefusedAsync(await SendValidateAsync(json: Body(created.Token), http: http), "expired", created.Token);
    }

    // ---- grace periods --------------------------------------------------------------------------------------

    [Fact]
    public async Task Grace_OldTokenValidatesUntilTheGraceEnd_NewTokenUntilTheClientsExpiry_AndAGracelessRegenerateCutsBoth()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", "analyst");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(created.Token)).Outcome);

        DateTimeOffset before = DateTimeOffset.UtcNow;
        (string second, JsonElement client) = await RegenerateAsync(admin, created.Id, """{"gracePeriodMinutes":10}""");
        Connector.Answer old = await connector.ValidateAsync(created.Token);
        DateTimeOffset after = DateTimeOffset.UtcNow;

        Assert.Equal("valid", old.Outcome);
        Assert.Equal(ValidFields, old.Body.PropertyNames());
        Assert.Equal(created.Id, old.Body.GetProperty("clientId").GetString());
        Assert.Equal("analyst", old.Body.GetProperty("role").GetString());
        DateTimeOffset graceEnd = old.Body.Time("expiresAt");
        Assert.InRange(graceEnd, before.AddMinutes(10).AddSeconds(-1), after.AddMinutes(10).AddSeconds(1));
        Connector.Answer current = await connector.ValidateAsync(second);
        Assert.Equal("valid", current.Outcome);
        Assert.Equal(client.Time("expiresAt"), current.Body.Time("expiresAt"));

        // The same answers where the cache has nothing and storage is read.
        await using (RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString))
        {
            await redis.DeleteAsync(RedisProbe.TokenKey(created.Token));
            await redis.DeleteAsync(RedisProbe.TokenKey(second));
        }

        Connector.Answer oldFromStorage = await connector.ValidateAsync(created.Token);
        Assert.Equal("valid", oldFromStorage.Outcome);
        Assert.Equal(graceEnd, oldFromStorage.Body.Time("expiresAt"));
        Connector.Answer currentFromStorage = await connector.ValidateAsync(second);
        Assert.Equal("valid", currentFromStorage.Outcome);
        Assert.Equal(client.Time("expiresAt"), currentFromStorage.Body.Time("expiresAt"));

        (string third, _) = await RegenerateAsync(admin, created.Id, """{"gracePeriodMinutes":0}""");

        await AssertRefusedAsync(await SendValidateAsync(bearer: created.Token), "invalid_token", created.Token);
        await AssertRefusedAsync(await SendValidateAsync(bearer: second), "invalid_token", second);
        Assert.Equal("valid", (await connector.ValidateAsync(third)).Outcome);
    }

    [Fact]
    public async Task Grace_NeverEndsAfterTheOldTokensOwnExpiry()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", lifetime: new { expiresInDays = 1 });
        DateTimeOffset ownExpiry = created.Client.Time("expiresAt");

        (string second, JsonElement client) = await RegenerateAsync(admin, created.Id, """{"gracePeriodMinutes":1440}""");

        var connector = new Connector(Host.CreateClient());
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        for (int round = 0; round < 2; round++) // as the regenerate left the cache, then from storage
        {
            if (round == 1)
            {
                await redis.DeleteAsync(RedisProbe.TokenKey(created.Token));
                await redis.DeleteAsync(RedisProbe.TokenKey(second));
            }

            Connector.Answer old = await connector.ValidateAsync(created.Token);
            Assert.Equal("valid", old.Outcome);
            Assert.Equal(ownExpiry, old.Body.Time("expiresAt"));
            Connector.Answer current = await connector.ValidateAsync(second);
            Assert.Equal("valid", current.Outcome);
            Assert.Equal(client.Time("expiresAt"), current.Body.Time("expiresAt"));
        }
    }

    // ---- changes take effect at the next validate -----------------------------------------------------------

    [Fact]
    public async Task RoleChange_AndRename_ShowAtTheNextValidate()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", "analyst");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("analyst", (await connector.ValidateAsync(created.Token)).Body.GetProperty("role").GetString());

        (await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"auditor"}""")).EnsureSuccessStatusCode();
        Connector.Answer afterRole = await connector.ValidateAsync(created.Token);
        Assert.Equal("valid", afterRole.Outcome);
        Assert.Equal("auditor", afterRole.Body.GetProperty("role").GetString());
        Assert.Equal("BI", afterRole.Body.GetProperty("clientName").GetString());

        (await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI-renamed"}""")).EnsureSuccessStatusCode();
        Connector.Answer afterRename = await connector.ValidateAsync(created.Token);
        Assert.Equal("valid", afterRename.Outcome);
        Assert.Equal("BI-renamed", afterRename.Body.GetProperty("clientName").GetString());
        Assert.Equal("auditor", afterRename.Body.GetProperty("role").GetString());
    }

    // ---- Redis is only a cache ------------------------------------------------------------------------------

    [Fact]
    public async Task RedisFlush_LeavesValidTokensValid_DisabledDisabled_AndReplacedRefused()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created cold = await admin.CreateAsync("Cold", "analyst");
        AdminApi.Created warm = await admin.CreateAsync("Warm", "auditor");
        AdminApi.Created disabled = await admin.CreateAsync("Off");
        AdminApi.Created rotated = await admin.CreateAsync("Rotated");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(warm.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(disabled.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(rotated.Token)).Outcome);
        (await admin.PostAsync($"/api/clients/{disabled.Id}/disable")).EnsureSuccessStatusCode();
        // rotated.Token is replaced without grace; inGrace is then replaced with a grace of 10 minutes by current.
        (string inGrace, _) = await RegenerateAsync(admin, rotated.Id, """{"gracePeriodMinutes":0}""");
        (string current, _) = await RegenerateAsync(admin, rotated.Id, """{"gracePeriodMinutes":10}""");
        Assert.Equal("disabled", (await connector.ValidateAsync(disabled.Token)).Outcome);

        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        await redis.FlushAllAsync();

        for (int round = 0; round < 2; round++) // from storage, then from the refilled cache
        {
            Connector.Answer c = await connector.ValidateAsync(cold.Token);
            Assert.Equal("valid", c.Outcome);
            Assert.Equal("analyst", c.Body.GetProperty("role").GetString());
            Connector.Answer w = await connector.ValidateAsync(warm.Token);
            Assert.Equal("valid", w.Outcome);
            Assert.Equal("auditor", w.Body.GetProperty("role").GetString());
            Assert.Equal("disabled", (await connector.ValidateAsync(disabled.Token)).Outcome);
            Assert.Equal("invalid_token", (await connector.ValidateAsync(rotated.Token)).Outcome);
            Assert.Equal("valid", (await connector.ValidateAsync(inGrace)).Outcome);
            Assert.Equal("valid", (await connector.ValidateAsync(current)).Outcome);
        }
    }

    // ---- lastUsedAt -----------------------------------------------------------------------------------------

    [Fact]
    public async Task SuccessfulValidate_RecordsLastUsedAt_WithoutChangingTheETag()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        (HttpResponseMessage first, JsonElement unused) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal(JsonValueKind.Null, unused.GetProperty("lastUsedAt").ValueKind);
        string? etag = first.Headers.ETag?.ToString();
        Assert.Equal(created.ETag, etag);

        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Equal("valid", (await new Connector(Host.CreateClient()).ValidateAsync(created.Token)).Outcome);
        DateTimeOffset after = DateTimeOffset.UtcNow.AddSeconds(1);
        await Host.Services.GetRequiredService<LastUseRecorder>().FlushAsync();

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.String, client.GetProperty("lastUsedAt").ValueKind);
        Assert.InRange(client.Time("lastUsedAt"), before, after);
        Assert.Equal(etag, response.Headers.ETag?.ToString());

        // And the ETag read before the use is still good for a write.
        (HttpResponseMessage patched, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"auditor"}""", ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
    }

    [Fact]
    public async Task RefusedValidate_DoesNotRecordLastUsedAt()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        (await admin.PostAsync($"/api/clients/{created.Id}/disable")).EnsureSuccessStatusCode();

        Assert.Equal("disabled", (await new Connector(Host.CreateClient()).ValidateAsync(created.Token)).Outcome);
        await Host.Services.GetRequiredService<LastUseRecorder>().FlushAsync();

        (_, JsonElement client) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal(JsonValueKind.Null, client.GetProperty("lastUsedAt").ValueKind);
    }

    // ---- bad bodies -----------------------------------------------------------------------------------------

    [Fact]
    public async Task MalformedJsonBody_WithoutBearer_Returns400MalformedJson_WithoutEchoingIt()
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI");

        using HttpResponseMessage response = await SendValidateAsync(json: $$"""{"token":"{{created.Token}}" """);

        JsonElement problem = await response.AssertProblemAsync(400, "malformed_json");
        TokenKit.AssertNoTokenIn(problem.GetRawText(), created.Token);
    }

    [Fact]
    public async Task TokenOfTheWrongType_Returns400ValidationFailed()
    {
        using HttpResponseMessage response = await SendValidateAsync(json: """{"token":42}""");

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn("token");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyOver64KiB_Returns413(bool chunked)
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI");
        string json = $$"""{"token":"{{created.Token}}","pad":"{{new string('x', 64 * 1024)}}"}""";
        HttpContent content = chunked
            ? new ChunkedContent(Encoding.UTF8.GetBytes(json))
            : new StringContent(json, Encoding.UTF8, "application/json");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate") { Content = content };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await Host.CreateClient().SendAsync(request);

        JsonElement problem = await response.AssertProblemAsync(413, "payload_too_large");
        TokenKit.AssertNoTokenIn(problem.GetRawText(), created.Token);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static string Body(string token) => JsonSerializer.Serialize(new { token });

    /// <summary>
    /// A raw validate as a connector would send it: no JWT, the token as Bearer and/or a JSON body; to this class's
    /// host unless another's client is given.
    /// </summary>
    private Task<HttpResponseMessage> SendValidateAsync(string? bearer = null, string? json = null, HttpClient? http = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate");
        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {bearer}");
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return (http ?? Host.CreateClient()).SendAsync(request);
    }

    /// <summary>A 401 problem with the code, and nothing of the presented token in it.</summary>
    private static async Task<JsonElement> AssertRefusedAsync(HttpResponseMessage response, string code, string presented)
    {
        using (response)
        {
            JsonElement problem = await response.AssertProblemAsync(401, code);
            TokenKit.AssertNoTokenIn(problem.GetRawText(), presented);
            Assert.DoesNotContain("clientId", problem.GetRawText(), StringComparison.Ordinal);
            return problem;
        }
    }

    private static async Task<(string Token, JsonElement Client)> RegenerateAsync(AdminApi admin, string id, string json)
    {
        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{id}/token/regenerate", json);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"regenerate answered {(int)response.StatusCode}: {body}");
        return (body.GetProperty("token").GetString()!, body.GetProperty("client"));
    }

    /// <summary>A body sent without Content-Length (chunked): the server must count what it reads.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
