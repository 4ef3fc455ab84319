using System.Globalization;
using System.Net;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>
/// The single-client endpoints of API.md as an outside caller sees them: create with its lifetime and validation
/// rules, get, PATCH, Show, disable and enable, delete; status, <c>code</c>, headers and bodies exactly.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ClientEndpointsTests(StackFixture stack) : ApiTestBase(stack)
{
    private const string Bi = """{"name":"BI","role":"analyst"}""";

    [Fact]
    public async Task Create_Returns201WithLocationETagAndToken()
    {
        AdminApi admin = NewTenant("alice");
        DateTimeOffset before = DateTimeOffset.UtcNow.AddSeconds(-1);

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, "/api/clients", Bi);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.False(response.Headers.ETag is null || response.Headers.ETag.IsWeak, "a create carries a strong ETag");
        Assert.Equal(["client", "token"], body.PropertyNames());
        string token = body.GetProperty("token").GetString()!;
        Assert.Matches("^blue_[0-9A-Za-z]{38}$", token);

        JsonElement client = body.GetProperty("client");
        Assert.Equal(ClientKit.ClientFields, client.PropertyNames());
        string id = client.GetProperty("id").GetString()!;
        Assert.Matches("^[A-Za-z0-9._~-]{1,64}$", id);
        Assert.Equal($"/api/clients/{id}", ClientKit.PathOf(response.Headers.Location));
        Assert.Equal("BI", client.GetProperty("name").GetString());
        Assert.Equal("analyst", client.GetProperty("role").GetString());
        Assert.Equal("active", client.GetProperty("status").GetString());
        Assert.Equal(token[..12], client.GetProperty("tokenPrefix").GetString());
        Assert.Equal("alice", client.GetProperty("createdBy").GetString());
        Assert.Equal(JsonValueKind.Null, client.GetProperty("lastUsedAt").ValueKind);

        DateTimeOffset createdAt = client.Time("createdAt");
        Assert.InRange(createdAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(createdAt, client.Time("updatedAt"));
        Assert.Equal(createdAt, client.Time("tokenIssuedAt"));
        Assert.Equal(createdAt.AddDays(90), client.Time("expiresAt"));
    }

    [Fact]
    public async Task Create_TrimsName()
    {
        AdminApi admin = NewTenant();

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, "/api/clients", """{"name":"  BI  ","role":"analyst"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("BI", body.GetProperty("client").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_AcceptsUnicodeLetters()
    {
        AdminApi admin = NewTenant();

        // Sent as raw UTF-8, not as \u escapes.
        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, "/api/clients", """{"name":"Análisis 2","role":"analyst"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Análisis 2", body.GetProperty("client").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("BI")]
    [InlineData("bi")]
    [InlineData(" Bi ")]
    public async Task Create_Returns409NameTaken_ForSameNameOrCaseVariant(string name)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created existing = await admin.CreateAsync("BI");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Post, "/api/clients", JsonSerializer.Serialize(new { name, role = "analyst" }));

        await response.AssertProblemAsync(409, "name_taken");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
        Assert.Equal([ClientKit.LookupKey(existing.Token)], await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Fact]
    public async Task Create_AllowsSameName_InAnotherTenant()
    {
        await NewTenant().CreateAsync("BI");

        (HttpResponseMessage response, _) = await NewTenant().CallAsync(HttpMethod.Post, "/api/clients", Bi);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Create_HonoursExpiresInDays()
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI", lifetime: new { expiresInDays = 30 });

        Assert.Equal(created.Client.Time("createdAt").AddDays(30), created.Client.Time("expiresAt"));
    }

    [Fact]
    public async Task Create_AcceptsAbsoluteExpiresAt()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string at = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero)
            .AddDays(10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        AdminApi.Created created = await NewTenant().CreateAsync("BI", lifetime: new { expiresAt = at });

        Assert.Equal(at, created.Client.GetProperty("expiresAt").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(365)]
    public async Task Create_AcceptsExpiresInDays_AtTheBoundsOfThePolicy(int days)
    {
        AdminApi.Created created = await NewTenant().CreateAsync("BI", lifetime: new { expiresInDays = days });

        Assert.Equal(created.Client.Time("createdAt").AddDays(days), created.Client.Time("expiresAt"));
    }

    [Fact]
    public async Task Create_Returns400_WhenBothExpiresAtAndExpiresInDaysAreGiven()
    {
        AdminApi admin = NewTenant();
        string at = DateTimeOffset.UtcNow.AddDays(10).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Post, "/api/clients",
            $$"""{"name":"BI","role":"analyst","expiresInDays":30,"expiresAt":"{{at}}"}""");

        JsonElement problem = await response.AssertProblemAsync(400, "validation_failed");
        JsonElement errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("expiresAt", out _) || errors.TryGetProperty("expiresInDays", out _), errors.GetRawText());
        await AssertNoClientsAsync(admin);
    }

    [Theory]
    [InlineData("\"expiresInDays\":0", "expiresInDays")]
    [InlineData("\"expiresInDays\":-1", "expiresInDays")]
    [InlineData("\"expiresInDays\":366", "expiresInDays")]
    [InlineData("\"expiresInDays\":1.5", "expiresInDays")]
    [InlineData("\"expiresInDays\":\"30\"", "expiresInDays")]
    [InlineData("\"expiresAt\":\"2020-01-01T00:00:00Z\"", "expiresAt")]
    [InlineData("\"expiresAt\":\"2999-01-01T00:00:00Z\"", "expiresAt")]
    public async Task Create_Returns400_WhenLifetimeIsOutOfPolicyOrNotAnInteger(string lifetime, string field)
    {
        AdminApi admin = NewTenant();

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Post, "/api/clients", $$"""{"name":"BI","role":"analyst",{{lifetime}}}""");

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn(field);
        await AssertNoClientsAsync(admin);
    }

    [Fact]
    public async Task Create_Returns400_WhenExpiresAtIsBelowMinimumLifetime()
    {
        AdminApi admin = NewTenant();
        string at = DateTimeOffset.UtcNow.AddHours(12).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Post, "/api/clients", $$"""{"name":"BI","role":"analyst","expiresAt":"{{at}}"}""");

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn("expiresAt");
    }

    [Fact]
    public async Task Create_TreatsJsonNullLifetimeAsAbsent()
    {
        (HttpResponseMessage response, JsonElement body) = await NewTenant().CallAsync(HttpMethod.Post, "/api/clients",
            """{"name":"BI","role":"analyst","expiresInDays":null,"expiresAt":null}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement client = body.GetProperty("client");
        Assert.Equal(client.Time("createdAt").AddDays(90), client.Time("expiresAt"));
    }

    public static TheoryData<string, string> InvalidCreateBodies => new()
    {
        { """{"role":"analyst"}""", "name" },
        { """{"name":"BI"}""", "role" },
        { $$"""{"name":"{{new string('n', 65)}}","role":"analyst"}""", "name" },
        { """{"name":"BI/2","role":"analyst"}""", "name" },
        { """{"name":"BI!","role":"analyst"}""", "name" },
        { """{"name":"   ","role":"analyst"}""", "name" },
        { """{"name":"BI","role":"1analyst"}""", "role" },
        { """{"name":"BI","role":"ana lyst"}""", "role" },
        { """{"name":"BI","role":"analyst/x"}""", "role" },
        { """{"name":"BI","role":""}""", "role" },
        { $$"""{"name":"BI","role":"{{new string('r', 129)}}"}""", "role" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreateBodies))]
    public async Task Create_Returns400ValidationFailed_NamingTheField(string json, string field)
    {
        AdminApi admin = NewTenant();

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Post, "/api/clients", json);

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn(field);
        await AssertNoClientsAsync(admin);
    }

    [Fact]
    public async Task Create_Returns400_WhenRoleEndsWithNewline()
    {
        // "analyst\n" does not match ^[A-Za-z_][A-Za-z0-9_$.-]*$ as a whole string (a regex '$' may also match
        // before a final newline, which must not let it through).
        AdminApi admin = NewTenant();

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Post, "/api/clients", """{"name":"BI","role":"analyst\n"}""");

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn("role");
        await AssertNoClientsAsync(admin);
    }

    [Fact]
    public async Task Create_AcceptsNameAndRole_AtTheirLongestAndWithEveryAllowedCharacter()
    {
        string name = "Ab 9_-." + new string('x', 57);
        string role = "_a9$.-" + new string('r', 122);

        AdminApi.Created created = await NewTenant().CreateAsync(name, role);

        Assert.Equal(name, created.Client.GetProperty("name").GetString());
        Assert.Equal(role, created.Client.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Get_Returns200WithTheCreatedClientAndItsETag()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.ETag, response.Headers.ETag?.ToString());
        Assert.Equal(ClientKit.ClientFields, client.PropertyNames());
        foreach (string field in ClientKit.ClientFields)
        {
            Assert.Equal(created.Client.GetProperty(field).GetRawText(), client.GetProperty(field).GetRawText());
        }
    }

    [Theory]
    [InlineData("000000000000aaaaaaaaaaaaaaaa")]
    [InlineData("no-such-client")]
    public async Task Get_Returns404NotFound_ForUnknownId(string id)
    {
        (HttpResponseMessage response, _) = await NewTenant().CallAsync(HttpMethod.Get, $"/api/clients/{id}");

        await response.AssertProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Get_Returns404NotFound_ForAnotherTenantsClient()
    {
        AdminApi.Created theirs = await NewTenant().CreateAsync("BI");

        (HttpResponseMessage response, _) = await NewTenant().CallAsync(HttpMethod.Get, $"/api/clients/{theirs.Id}");

        await response.AssertProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Patch_Rename_Returns200WithNewETagAndUpdatedAtAndIsAudited()
    {
        ClockedHost host = HostWithClock();
        AdminApi admin = host.NewTenant("bob");
        AdminApi.Created created = await admin.CreateAsync("BI");
        host.Clock.Advance(TimeSpan.FromSeconds(1));

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":" Finance "}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Finance", client.GetProperty("name").GetString());
        Assert.Equal("analyst", client.GetProperty("role").GetString());
        Assert.NotNull(response.Headers.ETag);
        Assert.NotEqual(created.ETag, response.Headers.ETag.ToString());
        Assert.Equal(created.Client.Time("updatedAt").AddSeconds(1), client.Time("updatedAt"));
        Assert.Equal(created.Client.Time("createdAt"), client.Time("createdAt"));
        JsonElement[] audit = await admin.AuditAsync(created.Id);
        Assert.Equal(["client.updated", "client.created"], audit.Actions());
        Assert.Equal("Finance", audit[0].GetProperty("clientName").GetString());
        Assert.Equal("bob", audit[0].GetProperty("actor").GetString());
        (_, JsonElement read) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal("Finance", read.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Patch_Role_Returns200WithTheNewRole()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", "analyst");

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"reporting.viewer"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("reporting.viewer", client.GetProperty("role").GetString());
        Assert.Equal("BI", client.GetProperty("name").GetString());
        (_, JsonElement read) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal("reporting.viewer", read.GetProperty("role").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"name":"BI","role":"analyst"}""")]
    public async Task Patch_WithNothingToChange_Returns200SameETagAndIsNotAudited(string json)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI", "analyst");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.ETag, response.Headers.ETag?.ToString());
        Assert.Equal(created.Client.GetProperty("updatedAt").GetString(), client.GetProperty("updatedAt").GetString());
        Assert.Equal(["client.created"], (await admin.AuditAsync(created.Id)).Actions());
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Theory]
    [InlineData("Sales")]
    [InlineData("SALES")]
    public async Task Patch_ToATakenName_Returns409NameTakenAndChangesNothing(string name)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created bi = await admin.CreateAsync("BI");
        await admin.CreateAsync("Sales");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{bi.Id}", JsonSerializer.Serialize(new { name }));

        await response.AssertProblemAsync(409, "name_taken");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
        (HttpResponseMessage read, JsonElement client) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{bi.Id}");
        Assert.Equal("BI", client.GetProperty("name").GetString());
        Assert.Equal(bi.ETag, read.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Patch_ToACaseVariantOfItsOwnName_Returns200()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"bi"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("bi", client.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Patch_WithStaleIfMatch_Returns412AndChangesNothing()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        (HttpResponseMessage renamed, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI2"}""");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI3"}""", ifMatch: created.ETag);

        await response.AssertProblemAsync(412, "precondition_failed");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
        (HttpResponseMessage read, JsonElement client) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal("BI2", client.GetProperty("name").GetString());
        Assert.Equal(renamed.Headers.ETag?.ToString(), read.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Patch_WithWeakFormOfCurrentETag_Returns412()
    {
        // If-Match compares strongly: W/"x" never matches "x".
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI2"}""", ifMatch: "W/" + created.ETag);

        await response.AssertProblemAsync(412, "precondition_failed");
    }

    [Fact]
    public async Task Patch_WithCurrentIfMatch_Returns200()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI2"}""", ifMatch: created.ETag);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("BI2", client.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Patch_WithIfMatchStar_Returns200()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"other"}""");

        (HttpResponseMessage response, JsonElement client) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI2"}""", ifMatch: "*");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("BI2", client.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Patch_MissingClientWithStaleIfMatch_Returns404BeforeAny412()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{created.Id}");

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"BI2"}""", ifMatch: "\"stale\"");

        await response.AssertProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Patch_WithInvalidName_Returns400AndChangesNothing()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"name":"a/b"}""");

        (await response.AssertProblemAsync(400, "validation_failed")).AssertErrorOn("name");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Fact]
    public async Task ShowToken_Returns200WithTheTokenNoStoreAndIsAudited()
    {
        AdminApi admin = NewTenant("carol");
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}/token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(["token"], body.PropertyNames());
        Assert.Equal(created.Token, body.GetProperty("token").GetString());
        JsonElement[] audit = await admin.AuditAsync(created.Id);
        Assert.Equal(["token.shown", "client.created"], audit.Actions());
        Assert.Equal("carol", audit[0].GetProperty("actor").GetString());
        Assert.DoesNotContain(created.Token, audit[0].GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowToken_Returns404_ForUnknownClient()
    {
        (HttpResponseMessage response, _) = await NewTenant().CallAsync(HttpMethod.Get, "/api/clients/000000000000aaaaaaaaaaaaaaaa/token");

        await response.AssertProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Disable_Returns200Disabled_AndIsIdempotent()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage first, JsonElement client) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/disable");
        (HttpResponseMessage second, JsonElement again) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/disable");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(ClientKit.ClientFields, client.PropertyNames());
        Assert.Equal("disabled", client.GetProperty("status").GetString());
        Assert.NotEqual(created.ETag, first.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("disabled", again.GetProperty("status").GetString());
        Assert.Equal(first.Headers.ETag?.ToString(), second.Headers.ETag?.ToString());
        Assert.Equal(["client.disabled", "client.created"], (await admin.AuditAsync(created.Id)).Actions());
    }

    [Fact]
    public async Task Enable_Returns200Active_AndIsIdempotent()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/disable");

        (HttpResponseMessage first, JsonElement client) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/enable");
        (HttpResponseMessage second, _) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/enable");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("active", client.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first.Headers.ETag?.ToString(), second.Headers.ETag?.ToString());
        Assert.Equal(["client.enabled", "client.disabled", "client.created"], (await admin.AuditAsync(created.Id)).Actions());
    }

    [Theory]
    [InlineData("disable")]
    [InlineData("enable")]
    public async Task DisableOrEnable_WithStaleIfMatch_Returns412AndChangesNothing(string action)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"other"}""");
        if (action == "enable")
        {
            await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/disable");
        }

        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/{action}", ifMatch: created.ETag);

        await response.AssertProblemAsync(412, "precondition_failed");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
    }

    [Fact]
    public async Task Delete_Returns204_ThenTheClientIsGone()
    {
        AdminApi admin = NewTenant("dave");
        AdminApi.Created created = await admin.CreateAsync("BI");

        (HttpResponseMessage deleted, _) = await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{created.Id}");
        (HttpResponseMessage get, _) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        (HttpResponseMessage again, _) = await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{created.Id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        await get.AssertProblemAsync(404, "not_found");
        await again.AssertProblemAsync(404, "not_found");
        JsonElement[] audit = await admin.AuditAsync(created.Id);
        Assert.Equal(["client.deleted", "client.created"], audit.Actions());
        Assert.Equal("BI", audit[0].GetProperty("clientName").GetString());
        Assert.Equal("dave", audit[0].GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Delete_FreesTheName()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{created.Id}");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Post, "/api/clients", """{"name":"bi","role":"analyst"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotEqual(created.Id, body.GetProperty("client").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Delete_WithStaleIfMatch_Returns412AndTheClientStays()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{created.Id}", """{"role":"other"}""");
        string store = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant);

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{created.Id}", ifMatch: created.ETag);

        await response.AssertProblemAsync(412, "precondition_failed");
        Assert.Equal(store, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, admin.Tenant));
        (HttpResponseMessage get, _) = await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    /// <summary>A refused create leaves nothing behind: no client, and no lookup row leading to the tenant.</summary>
    private async Task AssertNoClientsAsync(AdminApi admin)
    {
        (HttpResponseMessage response, JsonElement list) = await admin.CallAsync(HttpMethod.Get, "/api/clients");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(list.GetProperty("items").EnumerateArray());
        Assert.Empty(await ClientKit.LookupKeysOfTenantAsync(Stack.StorageConnectionString, admin.Tenant));
    }
}

/// <summary><c>Tenants__MaxClients</c>: past it a create is 409 <c>client_limit_reached</c>; a delete makes room again.</summary>
[Collection(StackTests.Name)]
public sealed class ClientLimitTests(StackFixture stack) : ApiTestBase(stack, new Dictionary<string, string?> { ["Tenants:MaxClients"] = "2" })
{
    [Fact]
    public async Task Create_Returns409ClientLimitReached_PastMaxClients_UntilOneIsDeleted()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created first = await admin.CreateAsync("One");
        await admin.CreateAsync("Two");

        (HttpResponseMessage refused, _) = await admin.CallAsync(HttpMethod.Post, "/api/clients", """{"name":"Three","role":"analyst"}""");
        await refused.AssertProblemAsync(409, "client_limit_reached");
        (HttpResponseMessage other, _) = await NewTenant().CallAsync(HttpMethod.Post, "/api/clients", """{"name":"Three","role":"analyst"}""");
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);

        (HttpResponseMessage deleted, _) = await admin.CallAsync(HttpMethod.Delete, $"/api/clients/{first.Id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        (HttpResponseMessage accepted, _) = await admin.CallAsync(HttpMethod.Post, "/api/clients", """{"name":"Three","role":"analyst"}""");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        (HttpResponseMessage full, _) = await admin.CallAsync(HttpMethod.Post, "/api/clients", """{"name":"Four","role":"analyst"}""");
        await full.AssertProblemAsync(409, "client_limit_reached");
    }
}
