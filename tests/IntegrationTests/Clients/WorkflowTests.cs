using System.Net;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>The administrator's whole workflow, as README's curl walk-through does it.</summary>
[Collection(StackTests.Name)]
public sealed class WorkflowTests(StackFixture stack) : ApiTestBase(stack)
{
    [Fact]
    public async Task Workflow_CreateShowDisableEnableRegenerateDelete_IsAuditedNewestFirst()
    {
        AdminApi admin = NewTenant("alice");

        AdminApi.Created bi = await admin.CreateAsync("BI", "analyst");
        Assert.Matches("^blue_[0-9A-Za-z]{38}$", bi.Token);
        Assert.Equal("active", bi.Client.GetProperty("status").GetString());
        Assert.Equal(bi.Token[..12], bi.Client.GetProperty("tokenPrefix").GetString());

        using HttpResponseMessage shown = await admin.SendAsync(HttpMethod.Get, $"/api/clients/{bi.Id}/token");
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Equal("no-store", shown.Headers.CacheControl?.ToString());
        Assert.Equal(bi.Token, JsonDocument.Parse(await shown.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString());

        using HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{bi.Id}/disable");
        Assert.Equal("disabled", JsonDocument.Parse(await disabled.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using HttpResponseMessage enabled = await admin.PostAsync($"/api/clients/{bi.Id}/enable");
        Assert.Equal("active", JsonDocument.Parse(await enabled.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using HttpResponseMessage regenerated = await admin.PostAsync($"/api/clients/{bi.Id}/token/regenerate", new { expiresInDays = 30 });
        JsonElement rotated = JsonDocument.Parse(await regenerated.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        Assert.NotEqual(bi.Token, rotated.GetProperty("token").GetString());

        using HttpResponseMessage deleted = await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{bi.Id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        (HttpResponseMessage gone, _) = await admin.GetJsonAsync($"/api/clients/{bi.Id}");
        await gone.AssertProblemAsync(404, "not_found");

        (_, JsonElement audit) = await admin.GetJsonAsync($"/api/audit?clientId={bi.Id}");
        string[] actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray();
        Assert.Equal(["client.deleted", "token.regenerated", "client.enabled", "client.disabled", "token.shown", "client.created"], actions);
        Assert.All(audit.GetProperty("items").EnumerateArray(), e => Assert.Equal("alice", e.GetProperty("actor").GetString()));
        Assert.DoesNotContain(bi.Token, audit.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(rotated.GetProperty("token").GetString()!, audit.GetRawText(), StringComparison.Ordinal);
    }
}
