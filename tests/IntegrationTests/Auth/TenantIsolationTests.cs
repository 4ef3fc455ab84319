using System.Net;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Auth;

/// <summary>
/// API.md: "A tenant sees only its own clients. Another tenant's client is answered exactly as a missing one: 404."
/// Tenant B aims at tenant A's clients by id, by list, by audit and by paging token; it learns nothing and
/// changes nothing.
/// </summary>
[Collection(StackTests.Name)]
public sealed class TenantIsolationTests(StackFixture stack) : ApiTestBase(stack)
{
    private static readonly Dictionary<string, string?> Bodies = new()
    {
        ["PATCH /api/clients/{id}"] = """{"name":"Hijacked","role":"attacker"}""",
        ["POST /api/clients/{id}/token/regenerate"] = """{"gracePeriodMinutes":0}""",
    };

    /// <summary>
    /// B's call on A's live client and B's call on an id that no longer exists at all must be the same answer,
    /// down to the header names and the problem body (the id it echoes aside). With <paramref name="ifMatch"/>,
    /// B even knows A's current ETag: a missing client is 404 before any 412, so that must not leak either.
    /// </summary>
    [Theory]
    [InlineData("GET /api/clients/{id}", false)]
    [InlineData("PATCH /api/clients/{id}", false)]
    [InlineData("PATCH /api/clients/{id}", true)]
    [InlineData("DELETE /api/clients/{id}", false)]
    [InlineData("DELETE /api/clients/{id}", true)]
    [InlineData("GET /api/clients/{id}/token", false)]
    [InlineData("POST /api/clients/{id}/disable", false)]
    [InlineData("POST /api/clients/{id}/disable", true)]
    [InlineData("POST /api/clients/{id}/enable", false)]
    [InlineData("POST /api/clients/{id}/token/regenerate", false)]
    [InlineData("POST /api/clients/{id}/token/regenerate", true)]
    public async Task OtherTenantsClient_IsAnsweredExactlyAsAMissingOne_AndIsLeftUnchanged(string route, bool ifMatch)
    {
        AdminApi alice = NewTenant("alice");
        AdminApi bob = NewTenant("bob");
        AdminApi.Created target = await alice.CreateAsync("Payroll");
        AdminApi.Created ghost = await alice.CreateAsync("Ghost");
        using (HttpResponseMessage deleted = await alice.SendAsync(HttpMethod.Delete, $"/api/clients/{ghost.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, partitionKey: alice.Tenant);

        using HttpResponseMessage foreign = await SendAsync(bob, route, target.Id, ifMatch ? target.ETag : null);
        using HttpResponseMessage missing = await SendAsync(bob, route, ghost.Id, ifMatch ? target.ETag : null);

        JsonElement foreignProblem = await foreign.AssertProblemAsync(404, "not_found");
        JsonElement missingProblem = await missing.AssertProblemAsync(404, "not_found");
        Assert.Equal(HeaderNames(missing), HeaderNames(foreign));
        Assert.Equal(
            missingProblem.GetRawText().Replace(ghost.Id, "{id}", StringComparison.Ordinal),
            foreignProblem.GetRawText().Replace(target.Id, "{id}", StringComparison.Ordinal));

        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, partitionKey: alice.Tenant));
        (HttpResponseMessage mine, JsonElement client) = await alice.GetJsonAsync($"/api/clients/{target.Id}");
        using (mine)
        {
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
            Assert.Equal(target.ETag, mine.Headers.ETag?.ToString());
            Assert.Equal("Payroll", client.GetProperty("name").GetString());
            Assert.Equal("analyst", client.GetProperty("role").GetString());
            Assert.Equal("active", client.GetProperty("status").GetString());
            Assert.Equal(target.Client.GetProperty("tokenPrefix").GetString(), client.GetProperty("tokenPrefix").GetString());
        }
    }

    [Fact]
    public async Task List_NeverContainsAnotherTenantsClients_UnderAnyFilterOrPage()
    {
        AdminApi alice = NewTenant("alice");
        AdminApi bob = NewTenant("bob");
        string[] alices = [(await alice.CreateAsync("A one")).Id, (await alice.CreateAsync("A two")).Id, (await alice.CreateAsync("A three")).Id];
        using (HttpResponseMessage disabled = await alice.PostAsync($"/api/clients/{alices[1]}/disable"))
        {
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        }

        AdminApi.Created bobs = await bob.CreateAsync("B one");

        foreach (string filter in new[] { "", "&status=active", "&status=disabled", "&status=expired" })
        {
            List<string> listed = await ListAllAsync(bob, $"/api/clients?pageSize=1{filter}");
            Assert.DoesNotContain(listed, alices.Contains);
            if (filter is "" or "&status=active")
            {
                Assert.Equal([bobs.Id], listed);
            }
        }

        // The control: the same listing as alice shows her three.
        Assert.Equal(alices, await ListAllAsync(alice, "/api/clients?pageSize=1"));
    }

    [Fact]
    public async Task Audit_OfAnotherTenantsClient_IsAnEmptyList()
    {
        AdminApi alice = NewTenant("alice");
        AdminApi bob = NewTenant("bob");
        AdminApi.Created target = await alice.CreateAsync("Payroll");
        using (HttpResponseMessage shown = await alice.SendAsync(HttpMethod.Get, $"/api/clients/{target.Id}/token"))
        {
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        }

        await bob.CreateAsync("Own");

        (HttpResponseMessage response, JsonElement body) = await bob.GetJsonAsync($"/api/audit?clientId={target.Id}");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Empty(body.GetProperty("items").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("continuationToken").ValueKind);
        }

        (HttpResponseMessage all, JsonElement everything) = await bob.GetJsonAsync("/api/audit?pageSize=100");
        using (all)
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.NotEmpty(everything.GetProperty("items").EnumerateArray());
            Assert.DoesNotContain(target.Id, everything.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("Payroll", everything.GetRawText(), StringComparison.Ordinal);
        }

        // The control: alice sees her client's two events.
        (HttpResponseMessage own, JsonElement hers) = await alice.GetJsonAsync($"/api/audit?clientId={target.Id}");
        using (own)
        {
            Assert.Equal(2, hers.GetProperty("items").GetArrayLength());
        }
    }

    [Theory]
    [InlineData("/api/clients?pageSize=1")]
    [InlineData("/api/audit?pageSize=1")]
    public async Task ContinuationToken_OfAnotherTenant_IsRefused(string page)
    {
        AdminApi alice = NewTenant("alice");
        AdminApi bob = NewTenant("bob");
        await alice.CreateAsync("A one");
        await alice.CreateAsync("A two");
        await bob.CreateAsync("B one");
        await bob.CreateAsync("B two");
        (HttpResponseMessage first, JsonElement body) = await alice.GetJsonAsync(page);
        first.Dispose();
        string token = body.GetProperty("continuationToken").GetString()
            ?? throw new InvalidOperationException($"{page} gave alice no continuation token.");

        (HttpResponseMessage response, _) = await bob.GetJsonAsync($"{page}&continuationToken={Uri.EscapeDataString(token)}");
        using (response)
        {
            await response.AssertProblemAsync(400, "invalid_query");
        }

        // The control: alice's own next page is served.
        (HttpResponseMessage next, _) = await alice.GetJsonAsync($"{page}&continuationToken={Uri.EscapeDataString(token)}");
        using (next)
        {
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        }
    }

    [Fact]
    public async Task Create_WithANameAnotherTenantUses_IsAllowed()
    {
        AdminApi alice = NewTenant("alice");
        AdminApi bob = NewTenant("bob");
        AdminApi.Created hers = await alice.CreateAsync("Reporting");
        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, partitionKey: alice.Tenant);

        AdminApi.Created his = await bob.CreateAsync("reporting");

        Assert.NotEqual(hers.Id, his.Id);
        Assert.Equal("reporting", his.Client.GetProperty("name").GetString());
        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString, partitionKey: alice.Tenant));

        // Still unique within each tenant.
        using HttpResponseMessage again = await alice.PostAsync("/api/clients", new { name = "REPORTING", role = "analyst" });
        await again.AssertProblemAsync(409, "name_taken");
    }

    private static Task<HttpResponseMessage> SendAsync(AdminApi admin, string route, string clientId, string? ifMatch)
    {
        string[] parts = route.Split(' ', 2);
        return admin.SendAsync(
            new HttpMethod(parts[0]),
            parts[1].Replace("{id}", clientId, StringComparison.Ordinal),
            Bodies.GetValueOrDefault(route),
            ifMatch);
    }

    private static string[] HeaderNames(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Select(header => header.Key.ToUpperInvariant())
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Every id of every page, following continuation tokens.</summary>
    private static async Task<List<string>> ListAllAsync(AdminApi admin, string firstPage)
    {
        var ids = new List<string>();
        string? path = firstPage;
        for (int pages = 0; path is not null; pages++)
        {
            Assert.True(pages < 50, "The listing does not end.");
            (HttpResponseMessage response, JsonElement body) = await admin.GetJsonAsync(path);
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
            }

            ids.AddRange(body.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetString()!));
            string? token = body.GetProperty("continuationToken").GetString();
            path = token is null ? null : $"{firstPage}&continuationToken={Uri.EscapeDataString(token)}";
        }

        return ids;
    }
}
