using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// The guarantee: once a disable, delete, regenerate (without grace) or role change has returned on one host,
/// the very next validate on any other host answers the new state. Two LocalHosts share one Azurite and Redis;
/// the token is validated first so that the other host's answer would come from a warm cache.
/// </summary>
[Collection(StackTests.Name)]
public sealed class RevocationTests(StackFixture stack) : IAsyncLifetime
{
    private LocalHostFactory _hostA = null!;
    private LocalHostFactory _hostB = null!;

    public Task InitializeAsync()
    {
        _hostA = new LocalHostFactory(stack);
        _hostB = new LocalHostFactory(stack);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _hostA.DisposeAsync();
        await _hostB.DisposeAsync();
    }

    [Fact]
    public async Task Disable_OnOneHost_IsRefusedByTheNextValidateOnTheOther()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();

        using HttpResponseMessage response = await admin.PostAsync($"/api/clients/{client.Id}/disable");
        response.EnsureSuccessStatusCode();

        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task Enable_OnOneHost_IsHonouredByTheNextValidateOnTheOther()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();
        (await admin.PostAsync($"/api/clients/{client.Id}/disable")).EnsureSuccessStatusCode();
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);

        (await admin.PostAsync($"/api/clients/{client.Id}/enable")).EnsureSuccessStatusCode();

        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task Delete_OnOneHost_IsRefusedByTheNextValidateOnTheOther()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();

        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}")).EnsureSuccessStatusCode();

        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task Regenerate_WithoutGrace_RefusesTheOldTokenAndAcceptsTheNewOnTheOther()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();

        using HttpResponseMessage response = await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate");
        string newToken = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(newToken)).Outcome);
    }

    [Fact]
    public async Task Regenerate_WithGrace_KeepsTheOldTokenUntilTheGraceEnd_AndALaterRegenerateCutsIt()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();

        DateTimeOffset before = DateTimeOffset.UtcNow;
        using HttpResponseMessage first = await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate", new { gracePeriodMinutes = 30 });
        string second = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        Connector.Answer old = await connector.ValidateAsync(client.Token);
        Assert.Equal("valid", old.Outcome);
        DateTimeOffset graceEnd = old.Body.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(graceEnd, before.AddMinutes(30).AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(30).AddSeconds(1)); // 30 minutes from the regenerate

        // A second rotation without grace cuts every token still in a grace period, at once.
        (await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate")).EnsureSuccessStatusCode();

        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("invalid_token", (await connector.ValidateAsync(second)).Outcome);
    }

    [Fact]
    public async Task RoleChange_OnOneHost_IsReturnedByTheNextValidateOnTheOther()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();

        (await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"role":"auditor","name":"BI-renamed"}""")).EnsureSuccessStatusCode();

        Connector.Answer answer = await connector.ValidateAsync(client.Token);
        Assert.Equal("auditor", answer.Body.GetProperty("role").GetString());
        Assert.Equal("BI-renamed", answer.Body.GetProperty("clientName").GetString());
    }

    /// <summary>A client created on host A, whose token host B has validated (so B's next answer could be cached).</summary>
    private async Task<(AdminApi Admin, AdminApi.Created Client, Connector Connector)> WarmAsync()
    {
        var admin = new AdminApi(_hostA.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI", "analyst");
        var connector = new Connector(_hostB.CreateClient());
        for (int i = 0; i < 2; i++)
        {
            Connector.Answer answer = await connector.ValidateAsync(client.Token);
            Assert.Equal("valid", answer.Outcome);
            Assert.Equal("analyst", answer.Body.GetProperty("role").GetString());
        }

        return (admin, client, connector);
    }
}
