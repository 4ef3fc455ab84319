using System.Diagnostics;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Topology;

/// <summary>
/// Replication is asynchronous: a primary can acknowledge a revocation and die before its replica has it. Here the
/// link to the replica is held while revocations return, then the primary is killed, the replica promoted and the
/// service's endpoint moved to it (every connection dropped, as a managed service's endpoint moves). The replica
/// holds the old live entries; no host may answer from them.
/// </summary>
[Collection(StackTests.Name)]
public sealed class FailoverTests(StackFixture stack, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly StorageRequestCounter _table = new();
    private ReplicatedRedis _redis = null!;
    private LocalHostFactory _hostA = null!;
    private LocalHostFactory _baseB = null!;
    private WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> _hostB = null!;

    public async Task InitializeAsync()
    {
        _redis = await ReplicatedRedis.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis:ConnectionString"] = _redis.ServiceConnectionString };
        _hostA = new LocalHostFactory(stack, settings);
        _baseB = new LocalHostFactory(stack, settings);
        _hostB = _baseB.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(_table.CreateClient(stack.StorageConnectionString))));
        _hostB.Server.PreserveExecutionContext = true;
    }

    public async Task DisposeAsync()
    {
        _redis.ReleaseReplication();
        await _hostB.DisposeAsync();
        await _baseB.DisposeAsync();
        await _hostA.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RevocationsTheReplicaNeverReceived_AreNotUndoneByItsPromotion()
    {
        var admin = new AdminApi(_hostA.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        var connectors = new[] { new Connector(_hostA.CreateClient()), new Connector(_hostB.CreateClient()) };
        AdminApi.Created[] clients = new AdminApi.Created[5];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = await admin.CreateAsync($"client-{i}");
        }

        // Both hosts answer from the cache, and the replica has every entry.
        var expected = clients.ToDictionary(client => client.Token, _ => "valid");
        await Connector.AssertAnswersAsync(connectors, expected, "before the hold");
        await _redis.WaitForReplicaAsync();

        _redis.HoldReplication();
        var took = new List<(string What, TimeSpan Elapsed)>();
        took.Add(("disable", await TimedAsync(() => admin.PostAsync($"/api/clients/{clients[0].Id}/disable"))));
        took.Add(("delete", await TimedAsync(() => admin.SendAsync(HttpMethod.Delete, $"/api/clients/{clients[1].Id}"))));
        took.Add(("regenerate", await TimedAsync(() => admin.PostAsync($"/api/clients/{clients[2].Id}/token/regenerate"))));
        took.Add(("role change", await TimedAsync(() => admin.SendAsync(HttpMethod.Patch, $"/api/clients/{clients[3].Id}", """{"role":"auditor"}"""))));
        output.WriteLine($"revocations with the replica's link held: {string.Join(", ", took.Select(t => $"{t.What} {t.Elapsed.TotalMilliseconds:0} ms"))}");
        Assert.All(took, t => Assert.True(t.Elapsed < TimeSpan.FromSeconds(2), $"{t.What} took {t.Elapsed.TotalMilliseconds:0} ms with a replica lagging"));
        expected[clients[0].Token] = "disabled";
        expected[clients[1].Token] = "invalid_token";
        expected[clients[2].Token] = "invalid_token";
        await Connector.AssertAnswersAsync(connectors, expected, "with the replica's link held");
        await AssertRoleAsync(connectors, clients[3].Token, "auditor", "with the replica's link held");

        // The primary dies with those writes unreplicated; the replica, holding the old live entries, takes over.
        await _redis.KillPrimaryAsync();
        await _redis.PromoteReplicaAsync();
        _redis.MoveEndpointToReplica();

        // From the first request on, and until answers come from the cache again: never the old state.
        var clock = Stopwatch.StartNew();
        bool hit = false;
        int rounds = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(15) && !(hit && rounds >= 5))
        {
            await Connector.AssertAnswersAsync(connectors, expected, $"{clock.ElapsedMilliseconds} ms after the move");
            await AssertRoleAsync(connectors, clients[3].Token, "auditor", $"{clock.ElapsedMilliseconds} ms after the move");
            rounds++;
            using (_table.Measure())
            {
                Assert.Equal("valid", (await connectors[1].ValidateAsync(clients[4].Token)).Outcome);
            }

            hit |= _table.Count == 0;
        }

        output.WriteLine($"{rounds} rounds of answers after the move, all right; answered from the cache again after {clock.ElapsedMilliseconds} ms");
        Assert.True(hit, "validate never answered from the cache again after the failover");

        // And a revocation on the new primary holds on both hosts at once.
        (await admin.PostAsync($"/api/clients/{clients[4].Id}/disable")).EnsureSuccessStatusCode();
        expected[clients[4].Token] = "disabled";
        await Connector.AssertAnswersAsync(connectors, expected, "after a disable on the new primary");
    }

    private static async Task<TimeSpan> TimedAsync(Func<Task<HttpResponseMessage>> call)
    {
        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await call();
        clock.Stop();
        response.EnsureSuccessStatusCode();
        return clock.Elapsed;
    }

    private static async Task AssertRoleAsync(Connector[] connectors, string token, string role, string when)
    {
        foreach (Connector connector in connectors)
        {
            JsonElement body = (await connector.ValidateAsync(token)).Body;
            Assert.True(body.TryGetProperty("role", out JsonElement got) && got.GetString() == role, $"{when}: role {body}");
        }
    }
}
