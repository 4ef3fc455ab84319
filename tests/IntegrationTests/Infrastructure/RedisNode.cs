using System.Globalization;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// One redis-server of a test topology, addressed by its port. Every call is one command on this node alone,
/// through redis-cli (see <see cref="RedisCli"/> for why not StackExchange.Redis): no redirection, no retries.
/// The kit's own calls show in <c>INFO commandstats</c> as <c>info</c> and <c>cluster|…</c>, never as errors.
/// </summary>
public sealed class RedisNode(int port)
{
    public int Port => port;

    /// <summary>This node alone, for StackExchange.Redis (which, in a cluster, goes on to find the others).</summary>
    public string ConnectionString => $"127.0.0.1:{port}";

    /// <summary>Runs a command, e.g. <c>["CONFIG", "SET", "maxmemory", "1mb"]</c>, and returns redis-cli's raw reply
    /// (arrays one element a line, nil as an empty string). An error reply throws with its text.</summary>
    public Task<string> ExecuteAsync(IReadOnlyList<string> command, CancellationToken cancellationToken = default) =>
        RedisCli.CommandAsync(port, command, cancellationToken);

    /// <summary>The <c>name:value</c> fields of one INFO section, e.g. <c>replication</c>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> InfoAsync(string section, CancellationToken cancellationToken = default) =>
        RedisCli.ParseInfo(await ExecuteAsync(["INFO", section], cancellationToken));

    /// <summary>A new value each time the process starts: tells which server a connection reached.</summary>
    public async Task<string> RunIdAsync(CancellationToken cancellationToken = default) =>
        (await InfoAsync("server", cancellationToken))["run_id"];

    /// <summary>The replication history this node is on (<c>master_replid</c>); a promotion starts a new one.</summary>
    public async Task<string> ReplicationIdAsync(CancellationToken cancellationToken = default) =>
        (await InfoAsync("replication", cancellationToken))["master_replid"];

    /// <summary>How far into the replication stream this node is (<c>master_repl_offset</c>, on a replica too).</summary>
    public async Task<long> ReplicationOffsetAsync(CancellationToken cancellationToken = default) =>
        long.Parse((await InfoAsync("replication", cancellationToken))["master_repl_offset"], CultureInfo.InvariantCulture);

    /// <summary><c>role:master</c> or <c>role:slave</c>, as the node itself says.</summary>
    public async Task<bool> IsPrimaryAsync(CancellationToken cancellationToken = default) =>
        (await InfoAsync("replication", cancellationToken))["role"] == "master";

    /// <summary>Error replies since start or <see cref="ResetStatsAsync"/>, by prefix: <c>errorstat_CROSSSLOT:count=3</c>
    /// is <c>["CROSSSLOT"] = 3</c>. Redirections count too (<c>MOVED</c>, <c>ASK</c>).</summary>
    public async Task<IReadOnlyDictionary<string, long>> ErrorStatsAsync(CancellationToken cancellationToken = default) =>
        (await InfoAsync("errorstats", cancellationToken))
            .Where(field => field.Key.StartsWith("errorstat_", StringComparison.Ordinal))
            .ToDictionary(field => field.Key["errorstat_".Length..], field => StatField(field.Value, "count"), StringComparer.Ordinal);

    /// <summary>Calls per command since start or <see cref="ResetStatsAsync"/>: <c>cmdstat_get:calls=2,…</c> is <c>["get"]</c>;
    /// subcommands read <c>cluster|info</c>.</summary>
    public async Task<IReadOnlyDictionary<string, CommandStat>> CommandStatsAsync(CancellationToken cancellationToken = default) =>
        (await InfoAsync("commandstats", cancellationToken))
            .Where(field => field.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            .ToDictionary(
                field => field.Key["cmdstat_".Length..],
                field => new CommandStat(StatField(field.Value, "calls"), StatField(field.Value, "rejected_calls"), StatField(field.Value, "failed_calls")),
                StringComparer.Ordinal);

    /// <summary>CONFIG RESETSTAT: zeroes errorstats and commandstats, so a test counts only its own.</summary>
    public Task ResetStatsAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync(["CONFIG", "RESETSTAT"], cancellationToken);

    public override string ToString() => ConnectionString;

    private static long StatField(string value, string name) =>
        value.Split(',')
            .Select(pair => pair.Split('=', 2))
            .Where(pair => pair[0] == name)
            .Select(pair => long.Parse(pair[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();
}

/// <summary>One line of <c>INFO commandstats</c>. Rejected calls never ran (a redirection, CROSSSLOT, a wrong arity);
/// failed calls ran and returned an error.</summary>
public readonly record struct CommandStat(long Calls, long RejectedCalls, long FailedCalls);
