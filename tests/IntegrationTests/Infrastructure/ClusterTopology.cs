namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Who serves which slots in a <see cref="RedisCluster"/>, read from <c>CLUSTER NODES</c> at one moment. Shard
/// numbers belong to the pair of nodes, not to a role or to slots: shard <c>i</c> is the pair whose node was
/// started as the <c>i</c>-th primary, through any failover or reshard. The slot of a key is
/// <c>IConnectionMultiplexer.HashSlot(key)</c>.
/// </summary>
public sealed class ClusterTopology
{
    private ClusterTopology(IReadOnlyList<ClusterNode> nodes, IReadOnlyList<ClusterShard> shards)
    {
        Nodes = nodes;
        Shards = shards;
    }

    /// <summary>Every node, in the order they were started.</summary>
    public IReadOnlyList<ClusterNode> Nodes { get; }

    public IReadOnlyList<ClusterShard> Shards { get; }

    public IEnumerable<ClusterNode> Primaries => Shards.Select(shard => shard.Primary);

    public IEnumerable<ClusterNode> Replicas => Shards.Select(shard => shard.Replica);

    public ClusterShard ShardOfSlot(int slot) =>
        Shards.FirstOrDefault(shard => shard.Slots.Any(range => range.Contains(slot)))
        ?? throw new InvalidOperationException($"No shard serves slot {slot}: {this}");

    public ClusterNode Node(int port) =>
        Nodes.FirstOrDefault(node => node.Port == port) ?? throw new InvalidOperationException($"No node on port {port}: {this}");

    public override string ToString() => string.Join("; ", Shards);

    /// <summary>The shards of one node's view, or null with the reason its shape is not three primaries with one replica each.</summary>
    internal static ClusterTopology? FromView(ClusterView view, IReadOnlyList<int> startOrder, out string? problem)
    {
        ClusterNode[] nodes = [.. view.Nodes.OrderBy(node => IndexOf(startOrder, node.Port))];
        var shards = new List<(int First, ClusterNode Primary, ClusterNode Replica)>();
        foreach (ClusterNode primary in nodes.Where(node => node.IsPrimary))
        {
            ClusterNode[] replicas = [.. nodes.Where(node => node.PrimaryId == primary.Id)];
            if (replicas.Length != 1)
            {
                problem = $"127.0.0.1:{primary.Port} has {replicas.Length} replicas";
                return null;
            }

            shards.Add((Math.Min(IndexOf(startOrder, primary.Port), IndexOf(startOrder, replicas[0].Port)), primary, replicas[0]));
        }

        if (shards.Count * 2 != nodes.Length)
        {
            problem = $"{shards.Count} primaries with a replica each among {nodes.Length} nodes";
            return null;
        }

        problem = null;
        return new ClusterTopology(
            nodes,
            [.. shards.OrderBy(shard => shard.First).Select((shard, index) => new ClusterShard(index, shard.Primary, shard.Replica))]);
    }

    private static int IndexOf(IReadOnlyList<int> ports, int port)
    {
        for (int i = 0; i < ports.Count; i++)
        {
            if (ports[i] == port)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Port {port} is not a node of this cluster.");
    }
}

/// <summary>A primary and its replica, and the slots the primary serves.</summary>
public sealed record ClusterShard(int Index, ClusterNode Primary, ClusterNode Replica)
{
    public IReadOnlyList<SlotRange> Slots => Primary.Slots;

    public int SlotCount => Primary.SlotCount;

    public override string ToString() => $"shard {Index}: primary {Primary.Port} [{string.Join(' ', Slots)}], replica {Replica.Port}";
}

/// <summary>One node as the cluster saw it. <see cref="PrimaryId"/> is the node a replica replicates.</summary>
public sealed record ClusterNode(string Id, int Port, bool IsPrimary, string? PrimaryId, IReadOnlyList<SlotRange> Slots)
{
    public int SlotCount => Slots.Sum(range => range.Count);
}

/// <summary>Hash slots <see cref="First"/> to <see cref="Last"/>, both included.</summary>
public readonly record struct SlotRange(int First, int Last)
{
    public int Count => Last - First + 1;

    public bool Contains(int slot) => slot >= First && slot <= Last;

    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}
