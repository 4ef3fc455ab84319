using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>
/// <c>POST /clients/{id}/token/regenerate</c>: a new token, the old one kept only for the grace period, on any
/// client (disabled and expired included), audited without the token; and what it leaves in the lookup table.
/// </summary>
[Collection(StackTests.Name)]
public sealed class RegenerateTests(StackFixture stack) : ApiTestBase(stack)
{
    [Fact]
    public async Task Regenerate_Returns200WithNewTokenPrefixETagAndIssuedAt()
    {
        ClockedHost host = HostWithClock();
        AdminApi admin = host.NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        host.Clock.Advance(TimeSpan.FromSeconds(1));

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", "{}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["client", "token"], body.PropertyNames());
        string token = body.GetProperty("token").GetString()!;
        JsonElement client = body.GetProperty("client");
        Assert.Matches("^blue_[0-9A-Za-z]{38}$", token);
        Assert.NotEqual(created.Token, token);
        Assert.Equal(ClientKit.ClientFields, client.PropertyNames());
        Assert.Equal(created.Id, client.GetProperty("id").GetString());
        Assert.Equal(token[..12], client.GetProperty("tokenPrefix").GetString());
        Assert.NotEqual(created.Client.GetProperty("tokenPrefix").GetString(), client.GetProperty("tokenPrefix").GetString());
        Assert.NotNull(response.Headers.ETag);
        Assert.NotEqual(created.ETag, response.Headers.ETag.ToString());
        DateTimeOffset issuedAt = client.Time("tokenIssuedAt");
        Assert.Equal(created.Client.Time("tokenIssuedAt").AddSeconds(1), issuedAt);
        Assert.Equal(issuedAt.AddDays(90), client.Time("expiresAt"));
        Assert.Equal(created.Client.Time("createdAt"), client.Time("createdAt"));
        Assert.Equal("active", client.GetProperty("status").GetString());
        (HttpResponseMessage read, _) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal(response.Headers.ETag.ToString(), read.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Regenerate_AcceptsAnEmptyBodyWithoutContentType()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(created.Token, body.GetProperty("token").GetString());
    }

    [Fact]
    public async Task Regenerate_HonoursExpiresInDays()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"expiresInDays":30}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement client = body.GetProperty("client");
        Assert.Equal(client.Time("tokenIssuedAt").AddDays(30), client.Time("expiresAt"));
    }

    [Theory]
    [InlineData("""{"gracePeriodMinutes":1441}""", "gracePeriodMinutes")]
    [InlineData("""{"gracePeriodMinutes":-1}""", "gracePeriodMinutes")]
    [InlineData("""{"gracePeriodMinutes":1.5}""", "gracePeriodMinutes")]
    [InlineData("""{"expiresInDays":366}""", "expiresInDays")]
    public async Task Regenerate_Returns400_WhenGracePeriodOrLifetimeIsOutOfRange(string json, string field)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", json);

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn(field);
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
        Assert.Equal([ClientKit.LookupKey(created.Token)], await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Fact]
    public async Task Regenerate_AcceptsGracePeriodAtItsBounds()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage none, _) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":0}""");
        (HttpResponseMessage longest, _) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":1440}""");

        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal(HttpStatusCode.OK, longest.StatusCode);
    }

    [Fact]
    public async Task Regenerate_Returns404_ForUnknownClient()
    {
        (HttpResponseMessage response, _) = await NewTenant().CallAsync(HttpMethod.Post, "/api/clients/000000000000aaaaaaaaaaaaaaaa/token/regenerate");

        await response.AssertProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Regenerate_WithStaleIfMatch_Returns412AndKeepsTheToken()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"other"}""");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", ifMatch: created.ETag);

        await response.AssertProblemAsync(412, "precondition_failed");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
        Assert.Equal([ClientKit.LookupKey(created.Token)], await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Fact]
    public async Task Regenerate_OnDisabledClient_Returns200AndItStaysDisabled()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/disable");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("disabled", body.GetProperty("client").GetProperty("status").GetString());
        (_, JsonElement read) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal("disabled", read.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Regenerate_OnExpiredClient_Returns200AndItIsActiveAgain()
    {
        ClockedHost host = HostWithClock();
        AdminApi admin = host.NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", lifetime: new { expiresInDays = 1 });
        host.Clock.Advance(TimeSpan.FromDays(1));
        (_, JsonElement expired) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal("expired", expired.GetProperty("status").GetString());

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"expiresInDays":7}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement client = body.GetProperty("client");
        Assert.Equal("active", client.GetProperty("status").GetString());
        Assert.Equal(created.Client.Time("createdAt").AddDays(1), client.Time("tokenIssuedAt"));
        Assert.Equal(client.Time("tokenIssuedAt").AddDays(7), client.Time("expiresAt"));
    }

    [Fact]
    public async Task ShowToken_AfterRegenerate_ReturnsTheNewToken()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        (_, JsonElement regenerated) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":10}""");

        (HttpResponseMessage response, JsonElement shown) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}/token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(regenerated.GetProperty("token").GetString(), shown.GetProperty("token").GetString());
    }

    [Fact]
    public async Task Regenerate_IsAuditedWithGracePeriodAndNeverAToken()
    {
        AdminApi admin = NewTenant("erin");
        AdminApi.Created created = await admin.CreateAsync("BI");

        (_, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":15}""");

        JsonElement[] audit = await admin.AuditAsync(created.Id);
        Assert.Equal(["token.regenerated", "client.created"], audit.Actions());
        Assert.Equal("erin", audit[0].GetProperty("actor").GetString());
        Assert.Equal(JsonValueKind.Object, audit[0].GetProperty("detail").ValueKind);
        Assert.Equal(15, audit[0].GetProperty("detail").GetProperty("gracePeriodMinutes").GetInt32());
        string text = string.Join('\n', audit.Select(e => e.GetRawText()));
        Assert.DoesNotContain(created.Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(body.GetProperty("token").GetString()!, text, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Token[12..], text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Regenerate_WithoutGrace_RemovesTheOldTokensLookup()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        Assert.NotNull(await ClientKit.GetLookupAsync(Stack.StorageConnectionString, created.Token));

        (_, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":0}""");

        string token = body.GetProperty("token").GetString()!;
        Assert.Null(await ClientKit.GetLookupAsync(Stack.StorageConnectionString, created.Token));
        TableEntity? current = await ClientKit.GetLookupAsync(Stack.StorageConnectionString, token);
        Assert.NotNull(current);
        Assert.Equal(created.Id, current.GetString("ClientId"));
        Assert.Equal([ClientKit.LookupKey(token)], await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Fact]
    public async Task Regenerate_WithGrace_KeepsTheOldTokensLookupUntilTheGraceEnds()
    {
        AdminApi admin = HostWithClock().NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (_, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":10}""");

        DateTimeOffset issuedAt = body.GetProperty("client").Time("tokenIssuedAt");
        TableEntity? old = await ClientKit.GetLookupAsync(Stack.StorageConnectionString, created.Token);
        Assert.NotNull(old);
        DateTimeOffset graceEnd = old.GetDateTimeOffset("ExpiresAt")!.Value;
        Assert.Equal(issuedAt.AddMinutes(10), graceEnd);
        Assert.NotNull(await ClientKit.GetLookupAsync(Stack.StorageConnectionString, body.GetProperty("token").GetString()!));
    }

    [Fact]
    public async Task Delete_RemovesTheLookupOfEveryTokenOfTheClient()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        (_, JsonElement body) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/token/regenerate", """{"gracePeriodMinutes":60}""");
        string token = body.GetProperty("token").GetString()!;
        Assert.Equal(2, (await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant)).Length);

        (HttpResponseMessage deleted, _) = await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{created.Id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(await ClientKit.GetLookupAsync(Stack.StorageConnectionString, created.Token));
        Assert.Null(await ClientKit.GetLookupAsync(Stack.StorageConnectionString, token));
        Assert.Empty(await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant));
    }
}
