using System.Net;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>
/// <c>GET /clients</c> and <c>GET /audit</c>: order, paging with continuation tokens, the status filter, and the
/// 400 <c>invalid_query</c> of every bad query value or paging token.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ListingTests(StackFixture stack) : ApiTestBase(stack)
{
    private static readonly string[] AuditFields = ["action", "actor", "at", "clientId", "clientName", "id"];

    [Fact]
    public async Task List_ReturnsClientsOldestFirst()
    {
        AdminApi admin = NewTenant();
        string[] ids = await CreateManyAsync(admin, "Zeta", "Alpha", "Mid");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Get, "/api/clients");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["continuationToken", "items"], body.PropertyNames());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("continuationToken").ValueKind);
        JsonElement[] items = [.. body.GetProperty("items").EnumerateArray()];
        Assert.Equal(ids, items.Select(Id));
        Assert.Equal(["Zeta", "Alpha", "Mid"], items.Select(item => item.GetProperty("name").GetString()));
        Assert.All(items, item => Assert.Equal(ClientKit.ClientFields, item.PropertyNames()));
    }

    [Fact]
    public async Task List_WithPageSize2OverFiveClients_GivesPagesOf2And2And1()
    {
        AdminApi admin = NewTenant();
        string[] ids = await CreateManyAsync(admin, "C1", "C2", "C3", "C4", "C5");

        var sizes = new List<int>();
        var seen = new List<string>();
        var tokens = new List<string?>();
        string? continuation = null;
        do
        {
            string query = continuation is null ? "" : $"&continuationToken={Uri.EscapeDataString(continuation)}";
            (HttpResponseMessage response, JsonElement page) = await admin.CallAsync(HttpMethod.Get, $"/api/clients?pageSize=2{query}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement[] items = [.. page.GetProperty("items").EnumerateArray()];
            sizes.Add(items.Length);
            seen.AddRange(items.Select(Id));
            continuation = page.GetProperty("continuationToken").GetString();
            tokens.Add(continuation);
        }
        while (continuation is not null && sizes.Count < 10);

        Assert.Equal([2, 2, 1], sizes);
        Assert.NotNull(tokens[0]);
        Assert.NotNull(tokens[1]);
        Assert.Null(tokens[2]);
        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task List_StatusDisabled_ReturnsOnlyDisabledClients()
    {
        (AdminApi admin, string active, string disabled, string expired, string disabledAndExpired) = await CreateOneOfEachStatusAsync();

        string[] found = await ListIdsAsync(admin, "?status=disabled");

        Assert.Equal([disabled, disabledAndExpired], found);
        Assert.DoesNotContain(active, found);
        Assert.DoesNotContain(expired, found);
    }

    [Fact]
    public async Task List_StatusActive_ExcludesDisabledAndExpiredClients()
    {
        (AdminApi admin, string active, _, _, _) = await CreateOneOfEachStatusAsync();

        Assert.Equal([active], await ListIdsAsync(admin, "?status=active"));
    }

    [Fact]
    public async Task List_StatusExpired_ReturnsOnlyExpiredClientsThatAreNotDisabled()
    {
        // Disabled is checked first: a disabled client whose expiry has passed is "disabled", not "expired".
        (AdminApi admin, _, _, string expired, _) = await CreateOneOfEachStatusAsync();

        Assert.Equal([expired], await ListIdsAsync(admin, "?status=expired"));
        (_, JsonElement all) = await admin.CallAsync(HttpMethod.Get, "/api/clients");
        Assert.Equal(["active", "disabled", "expired", "disabled"], all.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=abc", "pageSize")]
    [InlineData("pageSize=-1", "pageSize")]
    [InlineData("status=bogus", "status")]
    public async Task List_Returns400InvalidQuery_ForBadQueryValue(string query, string field)
    {
        AdminApi admin = NewTenant();
        await admin.CreateAsync("BI");

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Get, $"/api/clients?{query}");

        (await response.AssertProblemAsync(400, "invalid_query")).AssertErrorOn(field);
    }

    [Theory]
    [InlineData("first")]
    [InlineData("afterDot")]
    [InlineData("last")]
    public async Task List_Returns400InvalidQuery_ForTamperedContinuationToken(string where)
    {
        AdminApi admin = NewTenant();
        await CreateManyAsync(admin, "C1", "C2");
        string token = await FirstContinuationAsync(admin);
        int index = where switch
        {
            "first" => 0,
            "afterDot" => token.IndexOf('.', StringComparison.Ordinal) + 1,
            _ => token.Length - 1,
        };
        char replacement = token[index] == 'A' ? 'B' : 'A';
        string tampered = string.Concat(token.AsSpan(0, index), replacement.ToString(), token.AsSpan(index + 1));

        (HttpResponseMessage response, _) = await admin.CallAsync(HttpMethod.Get, $"/api/clients?pageSize=1&continuationToken={Uri.EscapeDataString(tampered)}");

        await response.AssertProblemAsync(400, "invalid_query");
    }

    [Fact]
    public async Task List_Returns400InvalidQuery_ForAnotherTenantsContinuationToken()
    {
        AdminApi theirs = NewTenant();
        await CreateManyAsync(theirs, "C1", "C2");
        string token = await FirstContinuationAsync(theirs);
        AdminApi mine = NewTenant();
        await CreateManyAsync(mine, "C1", "C2");

        (HttpResponseMessage response, _) = await mine.CallAsync(HttpMethod.Get, $"/api/clients?pageSize=1&continuationToken={Uri.EscapeDataString(token)}");

        await response.AssertProblemAsync(400, "invalid_query");
    }

    [Fact]
    public async Task Audit_ListsTheWholeTenantNewestFirst()
    {
        AdminApi admin = NewTenant("frank");
        AdminApi.Created a = await admin.CreateAsync("A");
        AdminApi.Created b = await admin.CreateAsync("B");
        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{a.Id}/disable");
        await admin.CallAsync(HttpMethod.Patch, $"/api/clients/{b.Id}", """{"name":"B2"}""");

        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Get, "/api/audit");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["continuationToken", "items"], body.PropertyNames());
        JsonElement[] items = [.. body.GetProperty("items").EnumerateArray()];
        Assert.Equal(["client.updated", "client.disabled", "client.created", "client.created"], items.Actions());
        Assert.Equal([b.Id, a.Id, b.Id, a.Id], items.Select(item => item.GetProperty("clientId").GetString()));
        Assert.Equal(["B2", "A", "B", "A"], items.Select(item => item.GetProperty("clientName").GetString()));
        Assert.All(items, item =>
        {
            Assert.Equal(AuditFields, item.PropertyNames().Where(name => name != "detail"));
            Assert.False(string.IsNullOrEmpty(item.GetProperty("id").GetString()));
            Assert.Equal("frank", item.GetProperty("actor").GetString());
            if (item.TryGetProperty("detail", out JsonElement detail))
            {
                Assert.Equal(JsonValueKind.Object, detail.ValueKind);
            }
        });
        DateTimeOffset[] times = [.. items.Select(item => item.Time("at"))];
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(items.Length, items.Select(item => item.GetProperty("id").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Audit_ForAnotherTenantsClient_Returns200WithNoItems()
    {
        AdminApi.Created theirs = await NewTenant().CreateAsync("BI");
        AdminApi mine = NewTenant();
        await mine.CreateAsync("BI");

        (HttpResponseMessage response, JsonElement body) = await mine.CallAsync(HttpMethod.Get, $"/api/audit?clientId={theirs.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("continuationToken").ValueKind);
    }

    [Fact]
    public async Task Audit_PagesWithPageSizeAndContinuationToken()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created created = await admin.CreateAsync("BI");
        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/disable");
        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{created.Id}/enable");
        await admin.CallAsync(HttpMethod.Get, $"/api/clients/{created.Id}/token");
        (_, JsonElement all) = await admin.CallAsync(HttpMethod.Get, $"/api/audit?clientId={created.Id}");

        (HttpResponseMessage first, JsonElement page1) = await admin.CallAsync(HttpMethod.Get, $"/api/audit?clientId={created.Id}&pageSize=3");
        string continuation = page1.GetProperty("continuationToken").GetString()!;
        (HttpResponseMessage second, JsonElement page2) = await admin.CallAsync(
            HttpMethod.Get, $"/api/audit?clientId={created.Id}&pageSize=3&continuationToken={Uri.EscapeDataString(continuation)}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(["token.shown", "client.enabled", "client.disabled"], page1.GetProperty("items").EnumerateArray().Actions());
        Assert.Equal(["client.created"], page2.GetProperty("items").EnumerateArray().Actions());
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("continuationToken").ValueKind);
        Assert.Equal(
            all.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()),
            page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray()).Select(item => item.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("continuationToken=bm90LWEtdG9rZW4.AAAA", "continuationToken")]
    public async Task Audit_Returns400InvalidQuery_ForBadQueryValue(string query, string field)
    {
        (HttpResponseMessage response, _) = await NewTenant().CallAsync(HttpMethod.Get, $"/api/audit?{query}");

        (await response.AssertProblemAsync(400, "invalid_query")).AssertErrorOn(field);
    }

    private static string Id(JsonElement client) => client.GetProperty("id").GetString()!;

    private static async Task<string[]> CreateManyAsync(AdminApi admin, params string[] names)
    {
        var ids = new List<string>();
        foreach (string name in names)
        {
            ids.Add((await admin.CreateAsync(name)).Id);
        }

        return [.. ids];
    }

    /// <summary>
    /// An admin of a host whose clock has passed the expiry of two of four clients, in this order: active,
    /// disabled, expired, and disabled with its expiry passed (a second apart, so that they list in this order).
    /// </summary>
    private async Task<(AdminApi Admin, string Active, string Disabled, string Expired, string DisabledAndExpired)> CreateOneOfEachStatusAsync()
    {
        ClockedHost host = HostWithClock();
        AdminApi admin = host.NewTenant();
        var ids = new List<string>();
        foreach ((string name, int days) in new[] { ("Active", 90), ("Disabled", 90), ("Expired", 1), ("Both", 1) })
        {
            ids.Add((await admin.CreateAsync(name, lifetime: new { expiresInDays = days })).Id);
            host.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{ids[1]}/disable");
        await admin.CallAsync(HttpMethod.Post, $"/api/clients/{ids[3]}/disable");
        host.Clock.Advance(TimeSpan.FromDays(1));
        return (admin, ids[0], ids[1], ids[2], ids[3]);
    }

    private static async Task<string[]> ListIdsAsync(AdminApi admin, string query)
    {
        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Get, "/api/clients" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. body.GetProperty("items").EnumerateArray().Select(Id)];
    }

    private static async Task<string> FirstContinuationAsync(AdminApi admin)
    {
        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Get, "/api/clients?pageSize=1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("continuationToken").GetString()!;
    }
}
