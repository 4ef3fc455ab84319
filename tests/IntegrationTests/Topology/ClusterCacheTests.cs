using System.Collections.Concurrent;
using System.Text.Json;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Topology;

[CollectionDefinition(Name)]
public sealed class ClusterStackTests : ICollectionFixture<StackFixture>, ICollectionFixture<ClusterFixture>
{
    public const string Name = "redis-cluster-stack";
}

/// <summary>
/// The service on a Redis Cluster of three primaries and three replicas (as Azure Managed Redis shards it): the
/// validate contract, revocation across two hosts, the held-fill race with one shard emptied, a graceful failover
/// of every shard and slots resharded while validating, each with zero stale answers, and no command refused as
/// CROSSSLOT on any node.
/// </summary>
[Collection(ClusterStackTests.Name)]
public sealed class ClusterCacheTests(StackFixture stack, ClusterFixture clusters, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly FillGate _gate = new();
    private RedisCluster _cluster = null!;
    private LocalHostFactory _baseA = null!;
    private WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> _hostA = null!;
    private LocalHostFactory _hostB = null!;

    public async Task InitializeAsync()
    {
        _cluster = clusters.Cluster;
        await _cluster.WaitUntilHealthyAsync();
        var settings = new Dictionary<string, string?> { ["Redis:ConnectionString"] = _cluster.ConnectionString };
        _baseA = new LocalHostFactory(stack, settings);
        _hostA = _baseA.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<IValidationObserver>(_gate)));
        _hostB = new LocalHostFactory(stack, settings);
        await _cluster.ResetStatsAsync();
    }

    public async Task DisposeAsync()
    {
        _gate.ReleaseAll();
        try
        {
            long crossSlot = await _cluster.ErrorCountAsync("CROSSSLOT");
            Assert.True(crossSlot == 0, $"{crossSlot} commands were refused as CROSSSLOT: {Describe(await _cluster.ErrorStatsAsync())}");
        }
        finally
        {
            await _hostA.DisposeAsync();
            await _baseA.DisposeAsync();
            await _hostB.DisposeAsync();
            await _cluster.RestoreAsync();
        }
    }

    [Fact]
    public async Task TheValidateContract_HoldsOnACluster()
    {
        var admin = new AdminApi(_hostA.CreateClient(), NewTenant());
        var connector = new Connector(_hostB.CreateClient());
        AdminApi.Created client = await admin.CreateAsync("BI", "analyst");

        Connector.Answer valid = await connector.ValidateAsync(client.Token);
        Assert.Equal("valid", valid.Outcome);
        Assert.Equal("analyst", valid.Body.GetProperty("role").GetString());
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token, inBody: true)).Outcome);
        Assert.Equal("invalid_token", (await connector.ValidateAsync(Core.Tokens.AccessToken.Generate())).Outcome);
        Assert.Equal("invalid_token", (await connector.ValidateAsync("blue_not-a-token")).Outcome);

        await PostAsync(admin, $"/api/clients/{client.Id}/disable");
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
        await PostAsync(admin, $"/api/clients/{client.Id}/enable");
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);

        string rotated = await RegenerateAsync(admin, client.Id);
        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(rotated)).Outcome);

        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}")).EnsureSuccessStatusCode();
        Assert.Equal("invalid_token", (await connector.ValidateAsync(rotated)).Outcome);

        // The failure budget, shared through the cluster: a source's 401s spend it, the next answer is 429.
        await using var strict = new LocalHostFactory(stack, new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = _cluster.ConnectionString,
            ["Validate:MaxFailuresPerMinute"] = "3",
        });
        var junk = new Connector(strict.CreateClient(), $"10.9.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}");
        string[] outcomes = [.. await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ => (await junk.ValidateAsync("blue_junk")).Outcome))];
        Assert.Equal(3, outcomes.Count(outcome => outcome == "invalid_token"));
        Assert.Equal("rate_limited", (await junk.ValidateAsync("blue_junk")).Outcome);
    }

    [Fact]
    public async Task Revocations_OnOneHost_AreRefusedByTheNextValidateOnTheOther()
    {
        var admin = new AdminApi(_hostA.CreateClient(), NewTenant());
        var connector = new Connector(_hostB.CreateClient());
        AdminApi.Created[] clients = await CreateWarmAsync(admin, connector, 4);

        await PostAsync(admin, $"/api/clients/{clients[0].Id}/disable");
        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{clients[1].Id}")).EnsureSuccessStatusCode();
        await RegenerateAsync(admin, clients[2].Id);
        (await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{clients[3].Id}", """{"role":"auditor"}""")).EnsureSuccessStatusCode();

        Assert.Equal("disabled", (await connector.ValidateAsync(clients[0].Token)).Outcome);
        Assert.Equal("invalid_token", (await connector.ValidateAsync(clients[1].Token)).Outcome);
        Assert.Equal("invalid_token", (await connector.ValidateAsync(clients[2].Token)).Outcome);
        Assert.Equal("auditor", (await connector.ValidateAsync(clients[3].Token)).Body.GetProperty("role").GetString());
    }

    [Theory]
    [InlineData("disable", "disabled", false)]
    [InlineData("delete", "invalid_token", false)]
    [InlineData("disable", "disabled", true)] // and the token's shard is emptied after the revocation reached it
    [InlineData("regenerate", "invalid_token", true)]
    public async Task HeldFill_ThatReadBeforeARevocation_DoesNotReviveTheToken(string revocation, string expected, bool emptyTheShard)
    {
        var admin = new AdminApi(_hostB.CreateClient(), NewTenant());
        AdminApi.Created client = await admin.CreateAsync("BI");
        var connector = new Connector(_hostA.CreateClient());
        await using RedisProbe probe = await RedisProbe.ConnectAsync(_cluster.ConnectionString);
        await probe.DeleteAsync(RedisProbe.TokenKey(client.Token)); // the next validate misses

        Task held = _gate.HoldNextAsync(RedisProbe.TokenHash(client.Token));
        Task<Connector.Answer> racing = connector.ValidateAsync(client.Token);
        await held.WaitAsync(TimeSpan.FromSeconds(10));

        using HttpResponseMessage revoked = revocation switch
        {
            "disable" => await admin.PostAsync($"/api/clients/{client.Id}/disable"),
            "delete" => await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}"),
            _ => await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate"),
        };
        revoked.EnsureSuccessStatusCode();
        if (emptyTheShard)
        {
            // FLUSHALL on the one primary that holds the token's bucket: its entry, marker and generation go together.
            ClusterTopology topology = await _cluster.GetTopologyAsync();
            await _cluster.FlushPrimaryAsync(topology.ShardOfSlot(probe.Slot(RedisProbe.TokenKey(client.Token))).Index);
        }

        _gate.ReleaseAll();

        Assert.Equal("valid", (await racing).Outcome); // it began before the revocation
        Assert.Equal(expected, (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal(expected, (await new Connector(_hostB.CreateClient()).ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task AGracefulFailoverOfEachShard_LeavesNoStaleAnswer_AndRevocationsAfterItHold()
    {
        var admin = new AdminApi(_hostA.CreateClient(), NewTenant());
        var connectors = new[] { new Connector(_hostA.CreateClient()), new Connector(_hostB.CreateClient()) };
        AdminApi.Created[] clients = await CreateWarmAsync(admin, connectors[1], 12);
        var expected = clients.ToDictionary(client => client.Token, _ => "valid");
        await PostAsync(admin, $"/api/clients/{clients[0].Id}/disable");
        expected[clients[0].Token] = "disabled";

        for (int shard = 0; shard < RedisCluster.ShardCount; shard++)
        {
            ClusterTopology after = await _cluster.FailoverAsync(shard);
            output.WriteLine($"after the failover of shard {shard}: {after}");
            await Connector.AssertAnswersAsync(connectors, expected, $"after the failover of shard {shard}");

            // A revocation after the failover holds on both hosts at once.
            AdminApi.Created revoked = clients[1 + shard];
            await PostAsync(admin, $"/api/clients/{revoked.Id}/disable");
            expected[revoked.Token] = "disabled";
            await Connector.AssertAnswersAsync(connectors, expected, $"after a disable following the failover of shard {shard}");
        }
    }

    [Fact]
    public async Task SlotsReshardedWhileValidating_NeverGiveAWrongAnswer()
    {
        var admin = new AdminApi(_hostA.CreateClient(), NewTenant());
        var connectors = new[] { new Connector(_hostA.CreateClient()), new Connector(_hostB.CreateClient()) };
        AdminApi.Created[] clients = await CreateWarmAsync(admin, connectors[0], 16);
        // What a validate may answer: a disable that commits during the call makes either state right, so an answer
        // must be one of those allowed when the call began or when it ended.
        var allowed = new ConcurrentDictionary<string, string[]>(clients.ToDictionary(client => client.Token, _ => new[] { "valid" }));
        var wrong = new ConcurrentQueue<string>();
        int answers = 0;

        Task<ClusterTopology> reshard = await _cluster.StartReshardAsync(0, 1, 1500);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task validating = Task.WhenAll(connectors.Select(connector => Task.Run(async () =>
        {
            while (!reshard.IsCompleted && !stop.IsCancellationRequested)
            {
                foreach (AdminApi.Created client in clients)
                {
                    string[] before = allowed[client.Token];
                    string got = (await connector.ValidateAsync(client.Token)).Outcome;
                    Interlocked.Increment(ref answers);
                    if (!before.Contains(got) && !allowed[client.Token].Contains(got))
                    {
                        wrong.Enqueue($"{client.Id}: {got}, allowed {string.Join("/", before)}");
                    }
                }
            }
        })));

        // Revocations while slots move.
        var expected = clients.ToDictionary(client => client.Token, _ => "valid");
        for (int i = 0; i < 4 && !reshard.IsCompleted; i++)
        {
            allowed[clients[i].Token] = ["valid", "disabled"];
            await PostAsync(admin, $"/api/clients/{clients[i].Id}/disable");
            allowed[clients[i].Token] = ["disabled"];
            expected[clients[i].Token] = "disabled";
            await Connector.AssertAnswersAsync(connectors, expected, $"after disable #{i} during the reshard");
        }

        ClusterTopology moved = await reshard;
        await validating;
        output.WriteLine($"{answers} answers during the reshard; after it: {moved}");
        Assert.Empty(wrong);
        await Connector.AssertAnswersAsync(connectors, expected, "after the reshard");
    }

    private static async Task<AdminApi.Created[]> CreateWarmAsync(AdminApi admin, Connector connector, int count)
    {
        var clients = new AdminApi.Created[count];
        for (int i = 0; i < count; i++)
        {
            clients[i] = await admin.CreateAsync($"client-{i}");
            Assert.Equal("valid", (await connector.ValidateAsync(clients[i].Token)).Outcome);
        }

        return clients;
    }

    private static async Task PostAsync(AdminApi admin, string path)
    {
        using HttpResponseMessage response = await admin.PostAsync(path);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<string> RegenerateAsync(AdminApi admin, string id)
    {
        using HttpResponseMessage response = await admin.PostAsync($"/api/clients/{id}/token/regenerate");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
    }

    private static string NewTenant() => $"tenant-{Guid.NewGuid():N}";

    private static string Describe(IReadOnlyDictionary<int, IReadOnlyDictionary<string, long>> stats) =>
        string.Join("; ", stats.Select(node => $"{node.Key}: {string.Join(", ", node.Value.Select(pair => $"{pair.Key}={pair.Value}"))}"));
}
