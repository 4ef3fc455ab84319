using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BlueTokens.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Topology;

/// <summary>
/// The kit for Redis faults outside a cluster: <see cref="TcpRelay"/> alone over plain sockets, then
/// <see cref="ReplicatedRedis"/>, whose replication link and service endpoint are such relays.
/// </summary>
public sealed class TopologyKitTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Relay_ForwardsBytesBothWays()
    {
        using TcpListener target = Listen();
        await using var relay = TcpRelay.Start(PortOf(target));

        (TcpClient client, TcpClient server) = await ConnectAsync(relay, target);
        using (client)
        using (server)
        {
            await SendAsync(client, "ping");
            Assert.Equal("ping", await ReceiveAsync(server, 4));
            await SendAsync(server, "pong");
            Assert.Equal("pong", await ReceiveAsync(client, 4));
            Assert.Equal(1, relay.ConnectionCount);
            Assert.Equal(1, relay.AcceptedCount);
        }
    }

    [Fact]
    public async Task Relay_Hold_ForwardsNothingEitherWay_ThenRelease_DeliversEverythingInOrder()
    {
        using TcpListener target = Listen();
        await using var relay = TcpRelay.Start(PortOf(target));
        (TcpClient client, TcpClient server) = await ConnectAsync(relay, target);
        using (client)
        using (server)
        {
            relay.Hold();
            foreach (string part in new[] { "one ", "two ", "three" })
            {
                await SendAsync(client, part);
                await SendAsync(server, part.ToUpperInvariant());
            }

            await Task.Delay(300);
            Assert.True(relay.IsHeld);
            Assert.Equal(0, server.Available);
            Assert.Equal(0, client.Available);
            Assert.Equal(1, relay.ConnectionCount);

            relay.Release();

            Assert.Equal("one two three", await ReceiveAsync(server, 13));
            Assert.Equal("ONE TWO THREE", await ReceiveAsync(client, 13));
            await SendAsync(client, "after");
            Assert.Equal("after", await ReceiveAsync(server, 5));
        }
    }

    [Fact]
    public async Task Relay_DropAll_ClosesBothSidesOfEveryConnection()
    {
        using TcpListener target = Listen();
        await using var relay = TcpRelay.Start(PortOf(target));
        (TcpClient client, TcpClient server) = await ConnectAsync(relay, target);
        using (client)
        using (server)
        {
            relay.Hold();
            await SendAsync(client, "held, then dropped");

            relay.DropAll();

            Assert.True(await IsClosedAsync(client), "the client's side stayed open");
            Assert.True(await IsClosedAsync(server), "the server's side stayed open");
            Assert.Equal(0, server.Available);
            await Poll.UntilAsync("the relay forgets the connection", () => Task.FromResult(relay.ConnectionCount == 0), Patience);
        }
    }

    [Fact]
    public async Task Relay_SwitchTarget_SendsNewConnectionsElsewhere_AndLeavesOpenOnesWhereTheyAre()
    {
        using TcpListener first = Listen();
        using TcpListener second = Listen();
        await using var relay = TcpRelay.Start(PortOf(first));
        (TcpClient before, TcpClient atFirst) = await ConnectAsync(relay, first);

        relay.SwitchTarget(PortOf(second));
        (TcpClient after, TcpClient atSecond) = await ConnectAsync(relay, second);
        using (before)
        using (atFirst)
        using (after)
        using (atSecond)
        {
            await SendAsync(before, "old");
            await SendAsync(after, "new");
            Assert.Equal("old", await ReceiveAsync(atFirst, 3));
            Assert.Equal("new", await ReceiveAsync(atSecond, 3));
            Assert.Equal(PortOf(second), relay.TargetPort);
        }
    }

    [Fact]
    public async Task Relay_ToATargetWhereNothingListens_ClosesTheClient()
    {
        await using var relay = TcpRelay.Start(ServerProcess.FreePort());
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, relay.Port);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return; // the reset can come before the connect completes: closed all the same
        }

        Assert.True(await IsClosedAsync(client));
    }

    [Fact]
    public async Task ReplicatedRedis_Starts_WithTheReplicaFollowingThePrimary()
    {
        await using ReplicatedRedis redis = await ReplicatedRedis.StartAsync();

        Assert.True(await redis.Primary.IsPrimaryAsync());
        Assert.False(await redis.Replica.IsPrimaryAsync());
        Assert.Equal(await redis.Primary.ReplicationIdAsync(), await redis.Replica.ReplicationIdAsync());
        Assert.NotEqual(await redis.Primary.RunIdAsync(), await redis.Replica.RunIdAsync());
        await redis.Primary.ExecuteAsync(["SET", "kit:started", "yes"]);
        await redis.WaitForReplicaAsync();
        Assert.Equal("yes", await redis.Replica.ExecuteAsync(["GET", "kit:started"]));
    }

    [Fact]
    public async Task ReplicatedRedis_HeldReplication_AWriteOnThePrimaryIsNotSeenOnTheReplica_UntilReleased()
    {
        await using ReplicatedRedis redis = await ReplicatedRedis.StartAsync();

        redis.HoldReplication();
        await redis.Primary.ExecuteAsync(["SET", "kit:held", "written"]);
        await Task.Delay(500);

        Assert.Equal("", await redis.Replica.ExecuteAsync(["GET", "kit:held"]));
        Assert.Equal("up", (await redis.Replica.InfoAsync("replication"))["master_link_status"]);

        var clock = Stopwatch.StartNew();
        redis.ReleaseReplication();
        await Poll.UntilAsync("the replica has the write", async () => await redis.Replica.ExecuteAsync(["GET", "kit:held"]) == "written", Patience);
        output.WriteLine($"seen on the replica {clock.ElapsedMilliseconds} ms after release");
    }

    [Fact]
    public async Task ReplicatedRedis_MoveEndpointToReplica_MovesAStackExchangeConnection_ItsRunIdChanges()
    {
        await using ReplicatedRedis redis = await ReplicatedRedis.StartAsync();
        await using ConnectionMultiplexer service = await ConnectionMultiplexer.ConnectAsync($"{redis.ServiceConnectionString},abortConnect=false,allowAdmin=true");
        string primaryRunId = await redis.Primary.RunIdAsync(), replicaRunId = await redis.Replica.RunIdAsync();
        Assert.Equal(primaryRunId, await RunIdThroughAsync(service));
        // It knows the endpoint only: the replica the primary reports is not connected to around the relay.
        Assert.Single(service.GetEndPoints());
        await service.GetDatabase().StringSetAsync("kit:before-move", "kept");
        await redis.WaitForReplicaAsync();

        await redis.KillPrimaryAsync();
        await redis.PromoteReplicaAsync();
        var clock = Stopwatch.StartNew();
        redis.MoveEndpointToReplica();

        await Poll.UntilAsync("the service's connection reaches the replica", async () => await RunIdThroughAsync(service) == replicaRunId, Patience);
        output.WriteLine($"StackExchange.Redis on the promoted replica {clock.ElapsedMilliseconds} ms after the move");
        Assert.Equal("kept", await service.GetDatabase().StringGetAsync("kit:before-move"));
        Assert.True(await service.GetDatabase().StringSetAsync("kit:after-move", "written"));
        Assert.True(redis.Front.AcceptedCount >= 2, $"accepted {redis.Front.AcceptedCount}");
    }

    /// <summary>The run_id of the server a multiplexer's connection reaches now; null while it has none.</summary>
    private static async Task<string?> RunIdThroughAsync(ConnectionMultiplexer multiplexer)
    {
        try
        {
            IGrouping<string, KeyValuePair<string, string>>[] info = await multiplexer.GetServer(multiplexer.GetEndPoints()[0]).InfoAsync("server");
            return info.SelectMany(section => section).First(field => field.Key == "run_id").Value;
        }
        catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException)
        {
            return null;
        }
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static int PortOf(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>A client connected through the relay, and the target's side of the same connection.</summary>
    private static async Task<(TcpClient Client, TcpClient Server)> ConnectAsync(TcpRelay relay, TcpListener target)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, relay.Port);
        TcpClient server = await target.AcceptTcpClientAsync().WaitAsync(Patience);
        return (client, server);
    }

    private static Task SendAsync(TcpClient to, string text) => to.GetStream().WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    private static async Task<string> ReceiveAsync(TcpClient from, int length)
    {
        byte[] buffer = new byte[length];
        using var timeout = new CancellationTokenSource(Patience);
        await from.GetStream().ReadExactlyAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer);
    }

    /// <summary>True when the peer closed or reset the connection: a read ends (0 bytes) or fails.</summary>
    private static async Task<bool> IsClosedAsync(TcpClient client)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await client.GetStream().ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
