using System.Text.Json;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// Last use is written in batches: one request per hundred active clients of a tenant, never a failure for a deleted one;
/// the usage counts beside it likewise.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LastUseTests(StackFixture stack) : IAsyncLifetime
{
    private readonly StorageRequestCounter _table = new();
    private LocalHostFactory _baseHost = null!;
    private WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> _host = null!;

    public Task InitializeAsync()
    {
        _baseHost = new LocalHostFactory(stack);
        _host = _baseHost.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(_table.CreateClient(stack.StorageConnectionString))));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _baseHost.DisposeAsync();
    }

    [Fact]
    public async Task Flush_WritesTheUsesAndCountsOfManyClientsOfATenant_InOneRequestEach()
    {
        var admin = new AdminApi(_host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        var connector = new Connector(_host.CreateClient());
        var clients = new List<AdminApi.Created>();
        for (int i = 0; i < 5; i++)
        {
            clients.Add(await admin.CreateAsync($"client-{i}"));
            Assert.Equal("valid", (await connector.ValidateAsync(clients[^1].Token)).Outcome);
        }

        LastUseRecorder recorder = _host.Services.GetRequiredService<LastUseRecorder>();
        int written;
        using (_table.Measure())
        {
            written = await recorder.FlushAsync();
        }

        // One transaction of last uses, then the usage rows: one transaction indexing the new rows, one writing them
        // (and, the first time in a process, the creation of the usage tables).
        Assert.Equal(5, written);
        Assert.Equal(3, Batches());
        foreach (AdminApi.Created client in clients)
        {
            (_, JsonElement body) = await admin.GetJsonAsync($"/api/clients/{client.Id}");
            Assert.Equal(JsonValueKind.String, body.GetProperty("lastUsedAt").ValueKind);
        }

        // The same clients again: their rows are indexed already.
        foreach (AdminApi.Created client in clients)
        {
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        }

        using (_table.Measure())
        {
            await recorder.FlushAsync();
        }

        Assert.Equal(2, Batches());
    }

    /// <summary>The measured requests, the one-off creation of a table aside; each is a transaction.</summary>
    private int Batches()
    {
        Assert.All(_table.Requests.Where(request => !request.EndsWith("/Tables", StringComparison.Ordinal)), request => Assert.EndsWith("/$batch", request, StringComparison.Ordinal));
        return _table.Requests.Count(request => request.EndsWith("/$batch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Flush_SkipsAClientDeletedSinceItsUse_AndWritesTheOthers()
    {
        var admin = new AdminApi(_host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        var connector = new Connector(_host.CreateClient());
        AdminApi.Created kept = await admin.CreateAsync("kept");
        AdminApi.Created gone = await admin.CreateAsync("gone");
        Assert.Equal("valid", (await connector.ValidateAsync(kept.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(gone.Token)).Outcome);
        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{gone.Id}")).EnsureSuccessStatusCode();

        int written = await _host.Services.GetRequiredService<LastUseRecorder>().FlushAsync();

        Assert.Equal(1, written);
        (_, JsonElement body) = await admin.GetJsonAsync($"/api/clients/{kept.Id}");
        Assert.Equal(JsonValueKind.String, body.GetProperty("lastUsedAt").ValueKind);
        (HttpResponseMessage missing, _) = await admin.GetJsonAsync($"/api/clients/{gone.Id}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode); // not recreated by the merge
    }
}
