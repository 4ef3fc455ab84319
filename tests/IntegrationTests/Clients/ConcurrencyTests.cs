using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>Concurrent admins never lose each other's changes, and uniqueness cannot race.</summary>
[Collection(StackTests.Name)]
public sealed class ConcurrencyTests(StackFixture stack) : ApiTestBase(stack)
{
    [Fact]
    public async Task Create_TwoAtOnceWithOneName_GiveExactlyOne201AndOne409()
    {
        for (int round = 0; round < 5; round++)
        {
            AdminApi admin = NewTenant();
            AdminApi other = SameTenant(admin);

            HttpResponseMessage[] responses = await Task.WhenAll(
                admin.PostAsync("/api/clients", new { name = "BI", role = "analyst" }),
                other.PostAsync("/api/clients", new { name = "bi", role = "reader" }));

            Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
            await responses.Single(r => r.StatusCode == HttpStatusCode.Conflict).AssertProblemAsync(409, "name_taken");
            (_, JsonElement list) = await admin.GetJsonAsync("/api/clients");
            Assert.Single(list.GetProperty("items").EnumerateArray());
            Assert.Equal(1, await ClientCounterAsync(admin.Tenant));
        }
    }

    [Fact]
    public async Task Create_ManyAtOnceWithDistinctNames_AllSucceedAndTheCounterIsExact()
    {
        AdminApi admin = NewTenant();

        HttpResponseMessage[] responses = await Task.WhenAll(
            Enumerable.Range(0, 12).Select(i => SameTenant(admin, $"admin-{i}").PostAsync("/api/clients", new { name = $"client-{i}", role = "analyst" })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        (_, JsonElement list) = await admin.GetJsonAsync("/api/clients?pageSize=100");
        Assert.Equal(12, list.GetProperty("items").GetArrayLength());
        Assert.Equal(12, await ClientCounterAsync(admin.Tenant));
    }

    [Fact]
    public async Task Update_TwoAtOnceWithOneETag_GiveOne200AndOne412_AndTheWinnerIsKept()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");

        HttpResponseMessage[] responses = await Task.WhenAll(
            admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"role":"writer"}""", client.ETag),
            SameTenant(admin).SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"role":"auditor"}""", client.ETag));

        Assert.Equal([HttpStatusCode.OK, (HttpStatusCode)412], responses.Select(r => r.StatusCode).Order());
        await responses.Single(r => r.StatusCode != HttpStatusCode.OK).AssertProblemAsync(412, "precondition_failed");
        string winner = JsonDocument.Parse(await responses.Single(r => r.StatusCode == HttpStatusCode.OK).Content.ReadAsStringAsync())
            .RootElement.GetProperty("role").GetString()!;
        (_, JsonElement stored) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal(winner, stored.GetProperty("role").GetString());
        (_, JsonElement audit) = await admin.GetJsonAsync($"/api/audit?clientId={client.Id}");
        Assert.Single(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "client.updated");
    }

    [Fact]
    public async Task Changes_AtOnceWithoutIfMatch_AreAllKept()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");

        HttpResponseMessage[] responses = await Task.WhenAll(
            admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"name":"BI-2"}"""),
            SameTenant(admin).SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"role":"writer"}"""),
            SameTenant(admin, "third").PostAsync($"/api/clients/{client.Id}/disable"));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        (_, JsonElement stored) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
        Assert.Equal("BI-2", stored.GetProperty("name").GetString());
        Assert.Equal("writer", stored.GetProperty("role").GetString());
        Assert.Equal("disabled", stored.GetProperty("status").GetString());
    }

    private async Task<int> ClientCounterAsync(string tenant)
    {
        var table = new TableClient(Stack.StorageConnectionString, "clients");
        TableEntity counter = (await table.GetEntityAsync<TableEntity>(tenant, "tenant")).Value;
        return counter.GetInt32("ClientCount")!.Value;
    }
}
