using System.Diagnostics;
using System.Globalization;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Whether a <see cref="RedisCluster"/> has settled: every node says cluster_state:ok, all agree on roles and
/// slots, no node is failing or in handshake, no slot is moving, and every replica's link is up. Each look asks
/// every node afresh (about 15 redis-cli calls, 100 ms here).
/// </summary>
internal sealed class ClusterHealth(IReadOnlyList<RedisNode> nodes)
{
    private readonly int[] _startOrder = [.. nodes.Select(node => node.Port)];

    /// <summary>Waits until the cluster is healthy and <paramref name="until"/> holds; a timeout says what was last wrong.</summary>
    public async Task<ClusterTopology> SettleAsync(string what, Func<ClusterTopology, bool> until, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            (ClusterTopology? topology, string problem) = await CheckAsync(cancellationToken);
            if (topology is not null)
            {
                if (until(topology))
                {
                    return topology;
                }

                problem = $"healthy, but {topology}";
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The cluster was not {what} within {timeout.TotalSeconds} s; last seen: {problem}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The topology if the cluster is healthy now, else null and what is not.</summary>
    private async Task<(ClusterTopology? Topology, string Problem)> CheckAsync(CancellationToken cancellationToken)
    {
        (string Info, string Nodes)[] replies;
        try
        {
            replies = await Task.WhenAll(nodes.Select(async node =>
                (await node.ExecuteAsync(["CLUSTER", "INFO"], cancellationToken), await node.ExecuteAsync(["CLUSTER", "NODES"], cancellationToken))));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // A node down or frozen: the cluster is not healthy, and may be again by the next look.
            return (null, e.Message);
        }

        ClusterView? agreed = null;
        for (int i = 0; i < nodes.Count; i++)
        {
            string state = RedisCli.ParseInfo(replies[i].Info).GetValueOrDefault("cluster_state", "?");
            if (state != "ok")
            {
                return (null, $"{nodes[i]} says cluster_state:{state}");
            }

            ClusterView view = ClusterView.Parse(replies[i].Nodes);
            if (view.Problem is { } problem)
            {
                return (null, $"{nodes[i]} sees {problem}");
            }

            agreed ??= view;
            if (view.Signature != agreed.Signature)
            {
                return (null, $"{nodes[i]} and {nodes[0]} disagree on roles or slots");
            }
        }

        ClusterTopology? topology = ClusterTopology.FromView(agreed!, _startOrder, out string? shape);
        if (topology is null)
        {
            return (null, shape!);
        }

        string[] links;
        try
        {
            links = await Task.WhenAll(topology.Replicas.Select(async replica =>
                (await new RedisNode(replica.Port).InfoAsync("replication", cancellationToken)).GetValueOrDefault("master_link_status", "?")));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return (null, e.Message);
        }

        return links.All(link => link == "up") ? (topology, "") : (null, $"replica links: {string.Join(", ", links)}");
    }
}

/// <summary>
/// One node's <c>CLUSTER NODES</c> reply: <c>id ip:port@bus flags primary ping pong epoch link slot…</c>, one line a
/// node, with migrating and importing slots as <c>[slot-&gt;-id]</c> and <c>[slot-&lt;-id]</c>.
/// </summary>
internal sealed class ClusterView
{
    private static readonly string[] UnsettledFlags = ["fail", "fail?", "handshake", "noaddr"];

    private ClusterView(IReadOnlyList<ClusterNode> nodes, string? problem)
    {
        Nodes = nodes;
        Problem = problem;
        Signature = string.Join('\n', nodes
            .OrderBy(node => node.Id, StringComparer.Ordinal)
            .Select(node => $"{node.Id} {node.Port} {(node.IsPrimary ? "primary" : $"replica of {node.PrimaryId}")} {string.Join(' ', node.Slots)}"));
    }

    public IReadOnlyList<ClusterNode> Nodes { get; }

    /// <summary>Why this view is not settled (a node failing or in handshake, a link down, a slot moving), or null.</summary>
    public string? Problem { get; }

    /// <summary>Who replicates whom and who serves which slots: the same on every node that agrees.</summary>
    public string Signature { get; }

    public static ClusterView Parse(string reply)
    {
        var nodes = new List<ClusterNode>();
        string? problem = null;
        foreach (string line in reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(' ');
            string address = fields[1].Split('@')[0];
            int port = int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
            string[] flags = fields[2].Split(',');
            bool isPrimary = flags.Contains("master");
            var slots = new List<SlotRange>();
            foreach (string slot in fields.Skip(8))
            {
                if (slot.StartsWith('['))
                {
                    problem ??= $"slot {slot} moving";
                    continue;
                }

                string[] ends = slot.Split('-');
                slots.Add(new SlotRange(int.Parse(ends[0], CultureInfo.InvariantCulture), int.Parse(ends[^1], CultureInfo.InvariantCulture)));
            }

            if (flags.Intersect(UnsettledFlags).FirstOrDefault() is { } unsettled)
            {
                problem ??= $"{port} {unsettled}";
            }
            else if (fields[7] != "connected")
            {
                problem ??= $"{port} {fields[7]}";
            }
            else if (!isPrimary && (!flags.Contains("slave") || fields[3] == "-"))
            {
                problem ??= $"{port} neither primary nor replica ({fields[2]})";
            }

            nodes.Add(new ClusterNode(fields[0], port, isPrimary, fields[3] == "-" ? null : fields[3], [.. slots.OrderBy(range => range.First)]));
        }

        return new ClusterView(nodes, problem);
    }
}
