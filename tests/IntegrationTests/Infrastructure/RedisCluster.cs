namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// A Redis Cluster of six redis-server processes on loopback: three shards, each a primary and a replica, formed
/// by <c>redis-cli --cluster create</c>, with the changes a managed cluster goes through: failover, a flushed
/// primary, slots moving between shards. Every change returns once all nodes agree on the result and every
/// replica's link is up. Changes are serialised: one waits for another to finish (a background reshard too).
/// Shards are numbered as in <see cref="ClusterTopology"/>; roles and slots are always read live.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    public const int ShardCount = 3;

    // Small, so that a node that really dies is failed over in seconds; a test's manual failover does not wait on it.
    private const string NodeTimeoutMilliseconds = "2000";

    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>About a millisecond a slot on this machine, plus the keys in it.</summary>
    private static readonly TimeSpan ReshardTimeout = TimeSpan.FromMinutes(2);

    private readonly string _directory = Directory.CreateTempSubdirectory("blue-cluster-").FullName;
    private readonly int[] _ports;
    private readonly int[] _busPorts;
    private readonly List<ServerProcess> _processes = [];
    private readonly SemaphoreSlim _changing = new(1, 1);
    private readonly ClusterHealth _health;
    private int[] _startingSlotCounts = [];

    private RedisCluster()
    {
        // Bus ports are chosen too (--cluster-port): the default, port + 10000, may be taken or past 65535.
        var ports = new List<int>();
        while (ports.Count < ShardCount * 4)
        {
            int port = ServerProcess.FreePort();
            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }

        _ports = [.. ports.Take(ShardCount * 2)];
        _busPorts = [.. ports.Skip(ShardCount * 2)];
        Nodes = [.. _ports.Select(port => new RedisNode(port))];
        ConnectionString = string.Join(',', Nodes.Select(node => node.ConnectionString));
        _health = new ClusterHealth(Nodes);
    }

    /// <summary>All six nodes, for StackExchange.Redis.</summary>
    public string ConnectionString { get; }

    /// <summary>Every node in the order started; the first <see cref="ShardCount"/> started as the primaries of shards 0, 1, 2.</summary>
    public IReadOnlyList<RedisNode> Nodes { get; }

    /// <summary>
    /// Starts six nodes, forms the cluster and returns once it is ok on every node (a few seconds). Free ports are
    /// picked, then bound: a server of a test running at the same time can take one in between, so a cluster that
    /// does not form is started again on other ports (at most three times).
    /// </summary>
    public static async Task<RedisCluster> StartAsync(CancellationToken cancellationToken = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            var cluster = new RedisCluster();
            try
            {
                await cluster.FormAsync(cancellationToken);
                return cluster;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    public RedisNode Node(int port) =>
        Nodes.FirstOrDefault(node => node.Port == port) ?? throw new ArgumentOutOfRangeException(nameof(port), port, "Not a node of this cluster.");

    /// <summary>The topology as the first node that answers sees it now. During a change, see <see cref="WaitUntilHealthyAsync"/>.</summary>
    public async Task<ClusterTopology> GetTopologyAsync(CancellationToken cancellationToken = default)
    {
        foreach (RedisNode node in Nodes)
        {
            string reply;
            try
            {
                reply = await node.ExecuteAsync(["CLUSTER", "NODES"], cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                continue;
            }

            return ClusterTopology.FromView(ClusterView.Parse(reply), _ports, out string? problem)
                ?? throw new InvalidOperationException($"{node} sees no three shards: {problem}");
        }

        throw new InvalidOperationException("No node of the cluster answers.");
    }

    /// <summary>Waits until every node says cluster_state:ok, all agree on roles and slots, no slot is moving, and
    /// every replica's link is up; returns that topology.</summary>
    public Task<ClusterTopology> WaitUntilHealthyAsync(CancellationToken cancellationToken = default) =>
        _health.SettleAsync("healthy", _ => true, SettleTimeout, cancellationToken);

    /// <summary>
    /// A graceful failover of one shard (CLUSTER FAILOVER on its replica: the primary stops taking writes until
    /// the replica has caught up, so nothing acknowledged is lost). Returns once the roles have switched and the
    /// cluster is healthy; under a second here. Call it again to fail back.
    /// </summary>
    public async Task<ClusterTopology> FailoverAsync(int shard, CancellationToken cancellationToken = default)
    {
        ValidateShard(shard);
        await _changing.WaitAsync(cancellationToken);
        try
        {
            return await FailoverCoreAsync(shard, cancellationToken);
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>FLUSHALL on the shard's primary alone: that shard's keys are gone (its replica follows; this waits for
    /// it), the other shards keep theirs. As a cache that lost one node's memory.</summary>
    public async Task FlushPrimaryAsync(int shard, CancellationToken cancellationToken = default)
    {
        ValidateShard(shard);
        ClusterShard flushed = (await GetTopologyAsync(cancellationToken)).Shards[shard];
        RedisNode primary = Node(flushed.Primary.Port), replica = Node(flushed.Replica.Port);
        await primary.ExecuteAsync(["FLUSHALL", "SYNC"], cancellationToken);
        await Poll.UntilAsync(
            $"the replica of shard {shard} has the flush",
            async () => await primary.ReplicationOffsetAsync(cancellationToken) == await replica.ReplicationOffsetAsync(cancellationToken),
            TimeSpan.FromSeconds(10),
            cancellationToken);
    }

    /// <summary>
    /// Moves <paramref name="slots"/> slots and their keys from one shard's primary to another's with
    /// <c>redis-cli --cluster reshard</c> (the source's lowest slots go first), and returns once all nodes agree.
    /// Cancellation stops the waiting, never a move under way: a half-moved slot would leave the cluster broken.
    /// </summary>
    public Task<ClusterTopology> ReshardAsync(int fromShard, int toShard, int slots, CancellationToken cancellationToken = default) =>
        ReshardAsync(fromShard, toShard, slots, moving: null, cancellationToken);

    /// <summary>
    /// <see cref="ReshardAsync(int, int, int, CancellationToken)"/> in the background, for a test that keeps working
    /// while slots move: returns as soon as the first slot is being moved, with the task of the whole reshard,
    /// which the test must await before it ends. Slots move at about one a millisecond, so a few thousand give a
    /// few seconds of migration. A client then sees MOVED for each slot that has moved; ASK only for a key asked
    /// during its own slot's move, which with a few keys a slot hardly ever happens (put many keys in one slot,
    /// with a hash tag, to widen that window).
    /// </summary>
    public async Task<Task<ClusterTopology>> StartReshardAsync(int fromShard, int toShard, int slots, CancellationToken cancellationToken = default)
    {
        var moving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ClusterTopology> reshard = ReshardAsync(fromShard, toShard, slots, moving, cancellationToken);
        // A reshard that fails before moving anything is returned too: awaiting it tells why.
        await Task.WhenAny(moving.Task, reshard);
        return reshard;
    }

    /// <summary>
    /// Back to how it started, as far as a test can tell: each shard's first primary is primary again (failing
    /// back where needed), each shard serves as many slots as at the start (not always the same ones), and the
    /// cluster is healthy. Data stays. A test class that changes the cluster calls this when it ends.
    /// </summary>
    public async Task<ClusterTopology> RestoreAsync(CancellationToken cancellationToken = default)
    {
        await _changing.WaitAsync(cancellationToken);
        try
        {
            ClusterTopology topology = await WaitUntilHealthyAsync(cancellationToken);
            for (int shard = 0; shard < ShardCount; shard++)
            {
                if (topology.Shards[shard].Primary.Port != _ports[shard])
                {
                    topology = await FailoverCoreAsync(shard, cancellationToken);
                }
            }

            while (true)
            {
                int[] surplus = [.. topology.Shards.Select(shard => shard.SlotCount - _startingSlotCounts[shard.Index])];
                int from = Array.IndexOf(surplus, surplus.Max()), to = Array.IndexOf(surplus, surplus.Min());
                if (surplus[from] <= 0)
                {
                    return topology;
                }

                topology = await ReshardCoreAsync(from, to, Math.Min(surplus[from], -surplus[to]), null, cancellationToken);
            }
        }
        finally
        {
            _changing.Release();
        }
    }

    /// <summary>Error replies per node (by port) and prefix, e.g. <c>[port]["CROSSSLOT"] = 3</c>; see <see cref="RedisNode.ErrorStatsAsync"/>.</summary>
    public async Task<IReadOnlyDictionary<int, IReadOnlyDictionary<string, long>>> ErrorStatsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyDictionary<string, long>[] stats = await Task.WhenAll(Nodes.Select(node => node.ErrorStatsAsync(cancellationToken)));
        return Nodes.Zip(stats).ToDictionary(pair => pair.First.Port, pair => pair.Second);
    }

    /// <summary>Error replies with this prefix (e.g. <c>CROSSSLOT</c>, <c>MOVED</c>) on all nodes together.</summary>
    public async Task<long> ErrorCountAsync(string error, CancellationToken cancellationToken = default) =>
        (await ErrorStatsAsync(cancellationToken)).Values.Sum(stats => stats.GetValueOrDefault(error));

    /// <summary>Calls per node (by port) and command; see <see cref="RedisNode.CommandStatsAsync"/>.</summary>
    public async Task<IReadOnlyDictionary<int, IReadOnlyDictionary<string, CommandStat>>> CommandStatsAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyDictionary<string, CommandStat>[] stats = await Task.WhenAll(Nodes.Select(node => node.CommandStatsAsync(cancellationToken)));
        return Nodes.Zip(stats).ToDictionary(pair => pair.First.Port, pair => pair.Second);
    }

    /// <summary>Zeroes errorstats and commandstats on every node.</summary>
    public Task ResetStatsAsync(CancellationToken cancellationToken = default) =>
        Task.WhenAll(Nodes.Select(node => node.ResetStatsAsync(cancellationToken)));

    public async ValueTask DisposeAsync()
    {
        ServerProcess[] processes;
        lock (_processes)
        {
            processes = [.. _processes];
            _processes.Clear();
        }

        await Task.WhenAll(processes.Select(process => process.DisposeAsync().AsTask()));
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be closing files; the temp folder is cleaned by the OS.
        }
    }

    private static void ValidateShard(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, ShardCount);
    }

    private async Task FormAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(Enumerable.Range(0, _ports.Length).Select(StartNodeAsync));
        RedisCli.Result created = await RedisCli.RunAsync(
            ["--cluster", "create", .. Nodes.Select(node => node.ConnectionString), "--cluster-replicas", "1", "--cluster-yes"],
            TimeSpan.FromSeconds(60),
            null,
            cancellationToken);
        if (created.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed: {created.Describe()}");
        }

        ClusterTopology topology = await WaitUntilHealthyAsync(cancellationToken);
        // redis-cli makes the first nodes given the primaries; shard numbers and RestoreAsync rely on it.
        if (!topology.Primaries.Select(node => node.Port).SequenceEqual(_ports.Take(ShardCount)))
        {
            throw new InvalidOperationException($"The cluster formed with unexpected primaries: {topology}");
        }

        _startingSlotCounts = [.. topology.Shards.Select(shard => shard.SlotCount)];
    }

    private async Task StartNodeAsync(int index)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_directory, $"node-{index}")).FullName;
        ServerProcess process = await ServerProcess.StartAsync(
            $"redis-server (cluster node {index})",
            Environment.GetEnvironmentVariable("BLUE_REDIS_SERVER") ?? "redis-server",
            ["--port", $"{_ports[index]}", "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no",
             "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(directory, "nodes.conf"),
             "--cluster-port", $"{_busPorts[index]}", "--cluster-node-timeout", NodeTimeoutMilliseconds,
             // Shards stay the pairs they started as: no replica moves to another primary, and a primary left
             // without slots stays a primary (by default it would become a replica of whoever took them).
             "--cluster-allow-replica-migration", "no",
             // Diskless sync waits 5 s by default for more replicas; a failed-over primary must resync at once.
             "--repl-diskless-sync-delay", "0"],
            [_ports[index]],
            TimeSpan.FromSeconds(15));
        lock (_processes)
        {
            _processes.Add(process);
        }
    }

    private async Task<ClusterTopology> FailoverCoreAsync(int shard, CancellationToken cancellationToken)
    {
        ClusterTopology before = await WaitUntilHealthyAsync(cancellationToken);
        ClusterNode promoted = before.Shards[shard].Replica;
        // A manual failover the primary does not complete within 5 s is abandoned with nothing changed; rare, so
        // once more before giving up.
        for (int attempt = 1; ; attempt++)
        {
            await Node(promoted.Port).ExecuteAsync(["CLUSTER", "FAILOVER"], cancellationToken);
            try
            {
                return await _health.SettleAsync(
                    $"{promoted.Port} primary of shard {shard}",
                    topology => topology.Shards[shard].Primary.Id == promoted.Id,
                    TimeSpan.FromSeconds(10),
                    cancellationToken);
            }
            catch (TimeoutException) when (attempt == 1)
            {
            }
        }
    }

    private async Task<ClusterTopology> ReshardAsync(int fromShard, int toShard, int slots, TaskCompletionSource? moving, CancellationToken cancellationToken)
    {
        ValidateShard(fromShard);
        ValidateShard(toShard);
        ArgumentOutOfRangeException.ThrowIfEqual(toShard, fromShard);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        await _changing.WaitAsync(cancellationToken);
        try
        {
            return await ReshardCoreAsync(fromShard, toShard, slots, moving, cancellationToken);
        }
        finally
        {
            _changing.Release();
        }
    }

    private async Task<ClusterTopology> ReshardCoreAsync(int fromShard, int toShard, int slots, TaskCompletionSource? moving, CancellationToken cancellationToken)
    {
        ClusterTopology before = await WaitUntilHealthyAsync(cancellationToken);
        ClusterShard source = before.Shards[fromShard], target = before.Shards[toShard];
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slots, source.SlotCount);
        RedisCli.Result result = await RedisCli.RunAsync(
            ["--cluster", "reshard", $"127.0.0.1:{source.Primary.Port}", "--cluster-from", source.Primary.Id, "--cluster-to", target.Primary.Id,
             "--cluster-slots", $"{slots}", "--cluster-yes"],
            ReshardTimeout,
            // The plan lists each slot indented first; an unindented line is a slot actually being moved.
            line =>
            {
                if (line.StartsWith("Moving slot ", StringComparison.Ordinal))
                {
                    moving?.TrySetResult();
                }
            },
            CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster reshard of {slots} slots from shard {fromShard} to {toShard} failed: {result.Describe()}");
        }

        int expected = target.SlotCount + slots;
        return await _health.SettleAsync($"shard {toShard} serves {expected} slots", topology => topology.Shards[toShard].SlotCount == expected, SettleTimeout, cancellationToken);
    }
}
