using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.Core.Tokens;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Tokens;

/// <summary>
/// Rotating <c>Tokens__EncryptionKey</c> can finish (README, "Rotating the encryption key"): the timer rewraps what
/// an older key wrote under the current one, in batches that resume, until none is left and the old key can go;
/// Show of a token whose key is gone answers a clear problem, never a 500. Each test has tables of its own (the
/// rewrap reads the whole clients table).
/// </summary>
[Collection(StackTests.Name)]
public sealed class KeyRotationTests(StackFixture stack)
{
    private static readonly string OldKey = NewKey(), NewerKey = NewKey();

    [Fact]
    public async Task TheTimer_RewrapsEveryTokenInBatches_ThenTheOldKeyCanBeRemoved()
    {
        string tables = NewTablePrefix();
        string tenant = $"tenant-{Guid.NewGuid():N}";
        List<(string Id, string Token, string ETag)> clients = [];
        await using var oldHost = Host(tables, OldKey);
        var onOldSettings = new AdminApi(oldHost.CreateClient(), tenant);
        for (int i = 0; i < 5; i++)
        {
            AdminApi.Created created = await onOldSettings.CreateAsync($"Client {i}");
            clients.Add((created.Id, created.Token, created.ETag));
        }

        // The new key, with the old one kept to read what it wrote; three rows a run.
        await using var rotating = Host(tables, NewerKey, previous: OldKey, batchSize: 3);
        var admin = new AdminApi(rotating.CreateClient(), tenant);
        await AssertShowsAsync(admin, clients, "before the rewrap, under the previous key");
        KeyRewrap rewrap = rotating.Services.GetRequiredService<KeyRewrap>();

        RewrapRunResult first = await rewrap.RunAsync(3);
        RewrapRunResult second = await rewrap.RunAsync(3);
        Assert.Equal((3, false), (first.Rewrapped, first.Finished));
        Assert.Equal((2, false), (second.Rewrapped, second.Finished));

        // An instance still on the old settings writes under the old key meanwhile: the next pass must catch it.
        AdminApi.Created late = await onOldSettings.CreateAsync("Late");
        clients.Add((late.Id, late.Token, late.ETag));
        Assert.Equal(1, await CountUnderOlderKeysAsync(tables, rotating));

        using (HttpResponseMessage timer = await rotating.CreateClient().PostAsJsonAsync("/admin/functions/ExpireTokens", new { input = "" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, timer.StatusCode);
        }

        await Poll.UntilAsync("the timer rewraps the late client", async () => await CountUnderOlderKeysAsync(tables, rotating) == 0, TimeSpan.FromSeconds(15));
        await Poll.UntilAsync("a pass that finds nothing left", async () => (await rewrap.RunAsync(3)).Finished, TimeSpan.FromSeconds(15));
        Assert.Equal(new RewrapRunResult(rewrap.CurrentKeyId, 0, 0, 0, true), await rewrap.RunAsync(3));

        foreach ((string id, _, string etag) in clients)
        {
            (HttpResponseMessage response, _) = await admin.GetJsonAsync($"/api/clients/{id}");
            Assert.Equal(etag, response.Headers.ETag?.Tag); // a rewrap is no change of the client
        }

        await using var newOnly = Host(tables, NewerKey);
        await AssertShowsAsync(new AdminApi(newOnly.CreateClient(), tenant), clients, "with the old key removed");
    }

    /// <summary>What the README tells an operator to run before removing a key: client rows not under the current key.</summary>
    private async Task<int> CountUnderOlderKeysAsync(string tablePrefix, LocalHostFactory host)
    {
        TableClient table = new TableServiceClient(stack.StorageConnectionString).GetTableClient(tablePrefix + "clients");
        string keyId = host.Services.GetRequiredService<KeyRewrap>().CurrentKeyId;
        int count = 0;
        await foreach (TableEntity _ in table.QueryAsync<TableEntity>(KeyRewrap.UnderOlderKeys(keyId), select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public async Task Show_OfATokenWhoseKeyWasRemoved_IsAClearNotFound_AndTheTokenStillValidates()
    {
        string tables = NewTablePrefix();
        AdminApi.Created created;
        string tenant = $"tenant-{Guid.NewGuid():N}";
        await using (var oldHost = Host(tables, OldKey))
        {
            created = await new AdminApi(oldHost.CreateClient(), tenant).CreateAsync("BI");
        }

        await using var removed = Host(tables, NewerKey);
        var admin = new AdminApi(removed.CreateClient(), tenant);

        using HttpResponseMessage shown = await admin.SendAsync(HttpMethod.Get, $"/api/clients/{created.Id}/token");
        JsonElement problem = await shown.AssertProblemAsync(404, "not_found");
        Assert.Contains("Regenerate", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(created.Token, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("valid", (await new Connector(removed.CreateClient()).ValidateAsync(created.Token)).Outcome);

        // The rewrap cannot open it either: counted, and the pass still finishes.
        RewrapRunResult result = await removed.Services.GetRequiredService<KeyRewrap>().RunAsync(10);
        Assert.Equal((0, 1, true), (result.Rewrapped, result.Unreadable, result.Finished));

        using HttpResponseMessage regenerated = await admin.PostAsync($"/api/clients/{created.Id}/token/regenerate");
        regenerated.EnsureSuccessStatusCode();
        using HttpResponseMessage again = await admin.SendAsync(HttpMethod.Get, $"/api/clients/{created.Id}/token");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private LocalHostFactory Host(string tablePrefix, string key, string? previous = null, int batchSize = 1000) => new(stack, new Dictionary<string, string?>
    {
        ["Storage:TablePrefix"] = tablePrefix,
        ["Tokens:EncryptionKey"] = key,
        ["Tokens:PreviousEncryptionKeys"] = previous,
        ["Expiry:BatchSize"] = $"{batchSize}",
    });

    private static async Task AssertShowsAsync(AdminApi admin, List<(string Id, string Token, string ETag)> clients, string when)
    {
        foreach ((string id, string token, _) in clients)
        {
            (HttpResponseMessage response, JsonElement body) = await admin.GetJsonAsync($"/api/clients/{id}/token");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{when}: Show of {id} gave {(int)response.StatusCode}");
            Assert.Equal(token, body.GetProperty("token").GetString());
        }
    }

    private static string NewTablePrefix() => $"k{Guid.NewGuid():N}"[..12];

    private static string NewKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}
