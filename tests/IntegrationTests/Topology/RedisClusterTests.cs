using System.Diagnostics;
using BlueTokens.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Topology;

/// <summary>
/// The cluster kit: it forms, fails over, flushes one shard, reshards (also while a client works), and counts
/// errors per node. Every test leaves the cluster as it found it, for the other classes of the collection.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class RedisClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RedisCluster _cluster = fixture.Cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _cluster.RestoreAsync();

    [Fact]
    public async Task Forms_WithThreePrimariesAndThreeReplicas_CoveringAll16384Slots()
    {
        ClusterTopology topology = await _cluster.WaitUntilHealthyAsync();

        Assert.Equal(3, topology.Primaries.Count());
        Assert.Equal(3, topology.Replicas.Count());
        Assert.Equal(6, topology.Nodes.Select(node => node.Port).Distinct().Count());
        Assert.All(topology.Shards, shard => Assert.Equal(shard.Primary.Id, shard.Replica.PrimaryId));
        Assert.All(topology.Replicas, replica => Assert.Empty(replica.Slots));
        int[] owners = new int[16384];
        foreach (ClusterShard shard in topology.Shards)
        {
            foreach (int slot in shard.Slots.SelectMany(range => Enumerable.Range(range.First, range.Count)))
            {
                owners[slot]++;
            }
        }

        Assert.All(owners, count => Assert.Equal(1, count));
        foreach (RedisNode node in _cluster.Nodes)
        {
            Assert.Equal("ok", (await ClusterInfoAsync(node))["cluster_state"]);
        }

        Assert.Equal(6, _cluster.ConnectionString.Split(',').Length);
        output.WriteLine(topology.ToString());
    }

    [Fact]
    public async Task ConnectionString_GivesStackExchangeRedisEveryShard()
    {
        await using ConnectionMultiplexer client = await ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
        ClusterTopology topology = await _cluster.GetTopologyAsync();

        string[] keys = KeysOnEveryShard(client, topology, "kit:connect");
        foreach (string key in keys)
        {
            await client.GetDatabase().StringSetAsync(key, key);
        }

        foreach (string key in keys)
        {
            Assert.Equal(key, await client.GetDatabase().StringGetAsync(key));
        }
    }

    [Fact]
    public async Task Failover_SwitchesTheRolesOfThatShardOnly_AndTheClusterIsOkAfter()
    {
        ClusterTopology before = await _cluster.WaitUntilHealthyAsync();

        var clock = Stopwatch.StartNew();
        ClusterTopology after = await _cluster.FailoverAsync(1);
        output.WriteLine($"failover: {clock.ElapsedMilliseconds} ms");

        Assert.Equal(before.Shards[1].Replica.Port, after.Shards[1].Primary.Port);
        Assert.Equal(before.Shards[1].Primary.Port, after.Shards[1].Replica.Port);
        Assert.Equal(before.Shards[1].Slots, after.Shards[1].Slots);
        Assert.Equal(before.Shards[0].ToString(), after.Shards[0].ToString());
        Assert.Equal(before.Shards[2].ToString(), after.Shards[2].ToString());
        Assert.True(await _cluster.Node(after.Shards[1].Primary.Port).IsPrimaryAsync());
        Assert.False(await _cluster.Node(after.Shards[1].Replica.Port).IsPrimaryAsync());
        foreach (RedisNode node in _cluster.Nodes)
        {
            Assert.Equal("ok", (await ClusterInfoAsync(node))["cluster_state"]);
        }

        clock.Restart();
        ClusterTopology back = await _cluster.FailoverAsync(1);
        output.WriteLine($"failover back: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(before.Shards[1].Primary.Port, back.Shards[1].Primary.Port);
    }

    [Fact]
    public async Task Reshard_MovesTheSlotCountBetweenTwoShards_AndBack()
    {
        ClusterTopology before = await _cluster.WaitUntilHealthyAsync();

        var clock = Stopwatch.StartNew();
        ClusterTopology after = await _cluster.ReshardAsync(0, 2, 100);
        output.WriteLine($"reshard of 100 slots: {clock.ElapsedMilliseconds} ms; {after}");

        Assert.Equal(before.Shards[0].SlotCount - 100, after.Shards[0].SlotCount);
        Assert.Equal(before.Shards[1].SlotCount, after.Shards[1].SlotCount);
        Assert.Equal(before.Shards[2].SlotCount + 100, after.Shards[2].SlotCount);
        Assert.Equal(16384, after.Shards.Sum(shard => shard.SlotCount));

        ClusterTopology back = await _cluster.ReshardAsync(2, 0, 100);
        Assert.Equal(before.Shards.Select(shard => shard.SlotCount), back.Shards.Select(shard => shard.SlotCount));
    }

    [Fact]
    public async Task StartReshard_RunsInTheBackground_WhileAClientKeepsReadingAndWriting()
    {
        await using ConnectionMultiplexer client = await ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
        IDatabase database = client.GetDatabase();
        ClusterTopology before = await _cluster.WaitUntilHealthyAsync();
        string[] keys = [.. Enumerable.Range(0, 2000).Select(i => $"kit:reshard:{i}")];
        await Task.WhenAll(keys.Select(key => database.StringSetAsync(key, key)));
        await _cluster.ResetStatsAsync();

        var clock = Stopwatch.StartNew();
        Task<ClusterTopology> reshard = await _cluster.StartReshardAsync(1, 0, 2000);
        TimeSpan started = clock.Elapsed;
        int calls = 0, callsWhileMoving = 0;
        for (; !reshard.IsCompleted || calls < keys.Length; calls++)
        {
            string key = keys[calls % keys.Length];
            Assert.Equal(key, await database.StringGetAsync(key));
            Assert.True(await database.StringSetAsync(key, key));
            callsWhileMoving += reshard.IsCompleted ? 0 : 1;
        }

        ClusterTopology after = await reshard;
        output.WriteLine(
            $"moving began after {started.TotalMilliseconds:0} ms, took {clock.ElapsedMilliseconds} ms in all; " +
            $"{callsWhileMoving} of {calls} get+set pairs while moving; " +
            $"MOVED {await _cluster.ErrorCountAsync("MOVED")}, ASK {await _cluster.ErrorCountAsync("ASK")}, TRYAGAIN {await _cluster.ErrorCountAsync("TRYAGAIN")}");
        Assert.True(callsWhileMoving > 0, "no call overlapped the reshard");
        Assert.Equal(before.Shards[0].SlotCount + 2000, after.Shards[0].SlotCount);
        Assert.Equal(0, await _cluster.ErrorCountAsync("CROSSSLOT"));
    }

    [Fact]
    public async Task FlushPrimary_EmptiesThatShardOnly()
    {
        await using ConnectionMultiplexer client = await ConnectionMultiplexer.ConnectAsync(_cluster.ConnectionString);
        ClusterTopology topology = await _cluster.GetTopologyAsync();
        string[] keys = KeysOnEveryShard(client, topology, "kit:flush");
        foreach (string key in keys)
        {
            await client.GetDatabase().StringSetAsync(key, "cached");
        }

        await _cluster.FlushPrimaryAsync(0);

        foreach (string key in keys)
        {
            bool onFlushedShard = topology.ShardOfSlot(client.HashSlot(key)).Index == 0;
            Assert.Equal(!onFlushedShard, await client.GetDatabase().KeyExistsAsync(key));
        }

        Assert.Equal("0", await _cluster.Node(topology.Shards[0].Replica.Port).ExecuteAsync(["DBSIZE"]));
    }

    [Fact]
    public async Task ErrorStats_CountACrossSlotCommandOnTheNodeThatRefusedIt()
    {
        await _cluster.ResetStatsAsync();
        RedisNode node = _cluster.Nodes[3];

        // "a" and "b" hash to different slots.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => node.ExecuteAsync(["MSET", "a", "1", "b", "2"]));

        Assert.Contains("CROSSSLOT", refused.Message, StringComparison.Ordinal);
        IReadOnlyDictionary<int, IReadOnlyDictionary<string, long>> errors = await _cluster.ErrorStatsAsync();
        Assert.Equal(1, errors[node.Port]["CROSSSLOT"]);
        Assert.All(errors.Where(pair => pair.Key != node.Port), pair => Assert.Empty(pair.Value));
        Assert.Equal(1, await _cluster.ErrorCountAsync("CROSSSLOT"));
        CommandStat mset = (await _cluster.CommandStatsAsync())[node.Port]["mset"];
        Assert.Equal(new CommandStat(Calls: 0, RejectedCalls: 1, FailedCalls: 0), mset);
        await _cluster.ResetStatsAsync();
    }

    private static async Task<IReadOnlyDictionary<string, string>> ClusterInfoAsync(RedisNode node) =>
        RedisCli.ParseInfo(await node.ExecuteAsync(["CLUSTER", "INFO"]));

    /// <summary>Keys with this prefix until every shard has a few.</summary>
    private static string[] KeysOnEveryShard(ConnectionMultiplexer client, ClusterTopology topology, string prefix)
    {
        var keys = new List<string>();
        for (int i = 0; topology.Shards.Any(shard => keys.Count(key => topology.ShardOfSlot(client.HashSlot(key)).Index == shard.Index) < 3); i++)
        {
            keys.Add($"{prefix}:{i}");
        }

        return [.. keys];
    }
}
