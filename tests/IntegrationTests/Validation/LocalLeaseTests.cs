using System.Diagnostics;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// The local answers (<c>Cache__LocalLease</c>) never outlive a revocation: an instance that answered a token from
/// its own memory a moment ago answers the new state as soon as the revocation has returned, on every host and for
/// every kind of revocation; a lease starts before the read that produced it, so a slow read cannot stretch it;
/// and a revocation's added latency is the lease and its margin. A lease of a full second here, so that a missing
/// wait cannot hide.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LocalLeaseTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> OneSecond = new() { ["Cache:LocalLease"] = "00:00:01" };

    private LocalHostFactory _hostA = null!;
    private LocalHostFactory _hostB = null!;

    public Task InitializeAsync()
    {
        _hostA = new LocalHostFactory(stack, OneSecond);
        _hostB = new LocalHostFactory(stack, OneSecond);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _hostA.DisposeAsync();
        await _hostB.DisposeAsync();
    }

    [Theory]
    [InlineData("disable", "disabled")]
    [InlineData("delete", "invalid_token")]
    [InlineData("regenerate", "invalid_token")]
    [InlineData("role", "valid")]
    [InlineData("name", "valid")]
    public async Task AValidateAfterARevocationReturned_NeverGetsTheOldAnswer_FromAnyInstancesMemory(string change, string expected)
    {
        var admin = new AdminApi(_hostA.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI", "analyst");
        Connector[] connectors = [new(_hostA.CreateClient()), new(_hostB.CreateClient())];
        foreach (Connector connector in connectors)
        {
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        }

        // Both hosts now answer from memory: the local answer is what a missing wait would leave stale.
        await using (RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString))
        {
            Dictionary<string, long> before = await redis.CommandCountsAsync();
            Assert.Equal("valid", (await connectors[1].ValidateAsync(client.Token)).Outcome);
            Assert.DoesNotContain(RedisProbe.Delta(before, await redis.CommandCountsAsync()), command => command.StartsWith("get=", StringComparison.Ordinal));
        }

        using HttpResponseMessage changed = change switch
        {
            "disable" => await admin.PostAsync($"/api/clients/{client.Id}/disable"),
            "delete" => await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}"),
            "regenerate" => await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate"),
            "role" => await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"role":"auditor"}"""),
            _ => await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"name":"Renamed"}"""),
        };
        changed.EnsureSuccessStatusCode();

        foreach (Connector connector in connectors)
        {
            Connector.Answer answer = await connector.ValidateAsync(client.Token);
            Assert.Equal(expected, answer.Outcome);
            if (change == "role")
            {
                Assert.Equal("auditor", answer.Body.GetProperty("role").GetString());
            }
            else if (change == "name")
            {
                Assert.Equal("Renamed", answer.Body.GetProperty("clientName").GetString());
            }
        }
    }

    [Fact]
    public async Task ARevocation_ReturnsOnlyAfterTheLeaseAndItsMargin_AndNotMuchLater()
    {
        var admin = new AdminApi(_hostA.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{client.Id}/disable");
        clock.Stop();

        disabled.EnsureSuccessStatusCode();
        LocalAnswers local = _hostA.Services.GetRequiredService<LocalAnswers>();
        Assert.InRange(clock.Elapsed, local.RevocationWait, local.RevocationWait + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task TheLeaseStartsBeforeTheRead_SoAReadHeldPastTheLeaseIsNeverAnsweredFromMemory()
    {
        var gate = new FillGate();
        await using WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> held = _hostB.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IValidationObserver>(gate)));
        var admin = new AdminApi(_hostA.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        await using (RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString))
        {
            await redis.DeleteAsync(RedisProbe.TokenKey(client.Token)); // the validate misses: a table read, then the held fill
        }

        var connector = new Connector(held.CreateClient());
        Task reached = gate.HoldNextAsync(RedisProbe.TokenHash(client.Token));
        Task<Connector.Answer> slow = connector.ValidateAsync(client.Token);
        await reached.WaitAsync(TimeSpan.FromSeconds(10));

        // The read is held past its lease while the client is disabled (which itself waits out the lease).
        using (HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{client.Id}/disable"))
        {
            disabled.EnsureSuccessStatusCode();
        }

        gate.ReleaseAll();
        Assert.Equal("valid", (await slow).Outcome); // it began before the revocation returned: its answer may be the old one

        // It must not be held: a lease from the end of the read would still run, one from its start has ended.
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
    }
}
