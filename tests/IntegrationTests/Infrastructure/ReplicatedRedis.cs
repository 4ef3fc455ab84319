namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// A primary and a replica as a managed Redis runs them, with the network between them in the test's hands:
/// the replica replicates through the relay <see cref="Link"/>, and the service reaches the primary through the
/// relay <see cref="Front"/>, its endpoint. Faults: replication held (the replica falls behind while both stay
/// up), the primary killed, the replica promoted, and the endpoint moved to it, dropping every connection.
/// Each instance is its own pair; start one per test that changes it.
/// </summary>
public sealed class ReplicatedRedis : IAsyncDisposable
{
    // A held link is silence, and each side drops a silent link after repl-timeout; sixty seconds (the default,
    // made explicit) outlasts any hold a test makes. The ping period (10 s) only keeps an idle link alive: a hold
    // delays those pings like any other byte, so it needs no change.
    private const string ReplicationTimeoutSeconds = "60";

    private readonly string _directory = Directory.CreateTempSubdirectory("blue-replicated-").FullName;
    private readonly List<RedisServer> _servers = [];
    private RedisServer? _primaryServer;

    private ReplicatedRedis()
    {
        Primary = new RedisNode(ServerProcess.FreePort());
        Replica = new RedisNode(ServerProcess.FreePort());
        Link = TcpRelay.Start(Primary.Port);
        Front = TcpRelay.Start(Primary.Port);
    }

    /// <summary>The server started as primary (the names stay when a promotion swaps the roles).</summary>
    public RedisNode Primary { get; }

    /// <summary>The server started as replica.</summary>
    public RedisNode Replica { get; }

    /// <summary>Between the replica and the primary.</summary>
    public TcpRelay Link { get; }

    /// <summary>The service's endpoint; it points at the primary until <see cref="MoveEndpointToReplica"/>.</summary>
    public TcpRelay Front { get; }

    /// <summary>For the service: the endpoint, never a server directly.</summary>
    public string ServiceConnectionString => $"127.0.0.1:{Front.Port}";

    /// <summary>Starts both, and returns once the replica's link to the primary is up and it has the primary's data.</summary>
    public static async Task<ReplicatedRedis> StartAsync(CancellationToken cancellationToken = default)
    {
        var redis = new ReplicatedRedis();
        try
        {
            await redis.StartServersAsync(cancellationToken);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes on the primary stop reaching the replica (both stay connected) until <see cref="ReleaseReplication"/>.</summary>
    public void HoldReplication() => Link.Hold();

    public void ReleaseReplication() => Link.Release();

    /// <summary>SIGKILL, as a crash: whatever the replica has not received is lost.</summary>
    public async Task KillPrimaryAsync()
    {
        if (_primaryServer is not null)
        {
            await _primaryServer.StopAsync();
        }
    }

    /// <summary>REPLICAOF NO ONE on the replica, then waits until it says <c>role:master</c>. Its replication id changes.</summary>
    public async Task PromoteReplicaAsync(CancellationToken cancellationToken = default)
    {
        await Replica.ExecuteAsync(["REPLICAOF", "NO", "ONE"], cancellationToken);
        await Poll.UntilAsync("the replica is master", () => Replica.IsPrimaryAsync(cancellationToken), TimeSpan.FromSeconds(10), cancellationToken);
    }

    /// <summary>
    /// The endpoint now leads to the replica, and every connection through it is reset, as when a managed service
    /// fails over: clients reconnect to the same address and reach the other server. Promote first to make it
    /// writable; the move itself does not.
    /// </summary>
    public void MoveEndpointToReplica()
    {
        Front.SwitchTarget(Replica.Port);
        Front.DropAll();
    }

    /// <summary>Waits until the replica has everything the primary has written (equal replication offsets).</summary>
    public async Task WaitForReplicaAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await Poll.UntilAsync(
            "the replica has caught up",
            async () => await Primary.ReplicationOffsetAsync(cancellationToken) == await Replica.ReplicationOffsetAsync(cancellationToken),
            timeout ?? TimeSpan.FromSeconds(10),
            cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // The replica first, so that it does not spend its last moments reconnecting.
        for (int i = _servers.Count - 1; i >= 0; i--)
        {
            await _servers[i].DisposeAsync();
        }

        _servers.Clear();
        await Front.DisposeAsync();
        await Link.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still be closing files; the temp folder is cleaned by the OS.
        }
    }

    private async Task StartServersAsync(CancellationToken cancellationToken)
    {
        // Diskless sync waits 5 s by default for more replicas to join; here there is only ever one.
        _primaryServer = await RedisServer.StartAsync(
            Primary.Port,
            Directory.CreateDirectory(Path.Combine(_directory, "primary")).FullName,
            ["--repl-diskless-sync-delay", "0", "--repl-timeout", ReplicationTimeoutSeconds]);
        _servers.Add(_primaryServer);
        _servers.Add(await RedisServer.StartAsync(
            Replica.Port,
            Directory.CreateDirectory(Path.Combine(_directory, "replica")).FullName,
            ["--replicaof", "127.0.0.1", $"{Link.Port}", "--repl-timeout", ReplicationTimeoutSeconds, "--repl-diskless-sync-delay", "0"]));

        await Poll.UntilAsync(
            "the replica's link is up",
            async () => (await Replica.InfoAsync("replication", cancellationToken)).GetValueOrDefault("master_link_status") == "up",
            TimeSpan.FromSeconds(15),
            cancellationToken);
    }
}
