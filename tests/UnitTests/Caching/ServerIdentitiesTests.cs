using System.Net;
using BlueTokens.Core.Caching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using StackExchange.Redis;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// A cached answer is trusted only from a server checked on the very connection that answered: a socket opened
/// after the command was sent, or during the check, leaves the answer untrusted.
/// </summary>
public sealed class ServerIdentitiesTests
{
    private static readonly EndPoint Endpoint = new IPEndPoint(IPAddress.Loopback, 6379);
    private readonly FakeTimeProvider _time = new();
    private readonly ServerIdentities _identities;
    private readonly Mock<IServer> _server = new();
    private string _runId = "run-a";

    public ServerIdentitiesTests()
    {
        _identities = new ServerIdentities(_time, NullLogger.Instance);
        _server.SetupGet(server => server.EndPoint).Returns(Endpoint);
        _server.Setup(server => server.InfoRawAsync("server", It.IsAny<CommandFlags>())).ReturnsAsync(() => $"# Server\r\nredis_version:7.0.15\r\nrun_id:{_runId}\r\n");
        _server.Setup(server => server.InfoRawAsync("replication", It.IsAny<CommandFlags>())).ReturnsAsync("# Replication\r\nrole:master\r\nmaster_replid:repl-1\r\n");
    }

    [Fact]
    public async Task AReply_IsTrusted_OnlyAfterItsConnectionsServerWasChecked()
    {
        _identities.OnConnecting(Endpoint, ConnectionType.Interactive);
        long connects = _identities.Connects(_server.Object);
        Assert.Null(_identities.TrustedTag(_server.Object, connects));

        string? tag = await _identities.CheckAsync(_server.Object);

        Assert.Equal(ServerIdentities.Tag("run-a", "repl-1"), tag);
        Assert.Equal(tag, _identities.TrustedTag(_server.Object, connects));
    }

    [Fact]
    public async Task AReply_OverANewerConnection_IsNotTrustedOnAnOlderCheck()
    {
        _identities.OnConnecting(Endpoint, ConnectionType.Interactive);
        await _identities.CheckAsync(_server.Object);
        long sentOn = _identities.Connects(_server.Object);

        _identities.OnConnecting(Endpoint, ConnectionType.Interactive); // a reconnect: perhaps another server

        Assert.Null(_identities.TrustedTag(_server.Object, sentOn));
        Assert.Null(_identities.TrustedTag(_server.Object));
        _runId = "run-b";
        string? tag = await _identities.CheckAsync(_server.Object);
        Assert.Equal(ServerIdentities.Tag("run-b", "repl-1"), tag);
        Assert.Equal(tag, _identities.TrustedTag(_server.Object));
    }

    [Fact]
    public async Task ACheck_DuringWhichASocketWasOpened_IsNotKept()
    {
        _identities.OnConnecting(Endpoint, ConnectionType.Interactive);
        var gate = new TaskCompletionSource<string?>();
        _server.Setup(server => server.InfoRawAsync("server", It.IsAny<CommandFlags>())).Returns(() => gate.Task);

        Task<string?> check = _identities.CheckAsync(_server.Object);
        _identities.OnConnecting(Endpoint, ConnectionType.Interactive); // the INFO may be the old server's answer
        gate.SetResult("run_id:run-a\r\n");
        string? tag = await check;

        // The check ran again on the new connection, and only that is trusted.
        Assert.Equal(ServerIdentities.Tag("run-a", "repl-1"), tag);
        _server.Verify(server => server.InfoRawAsync("server", It.IsAny<CommandFlags>()), Times.Exactly(2));
        Assert.Equal(tag, _identities.TrustedTag(_server.Object));
    }

    [Fact]
    public async Task SubscriptionSockets_DoNotUntrustTheInteractiveConnection()
    {
        _identities.OnConnecting(Endpoint, ConnectionType.Interactive);
        await _identities.CheckAsync(_server.Object);

        _identities.OnConnecting(Endpoint, ConnectionType.Subscription);

        Assert.NotNull(_identities.TrustedTag(_server.Object));
    }

    [Fact]
    public async Task AServerThatCannotBeAsked_IsNotTrusted()
    {
        _identities.OnConnecting(Endpoint, ConnectionType.Interactive);
        _server.Setup(server => server.InfoRawAsync("server", It.IsAny<CommandFlags>())).ThrowsAsync(new RedisCommandException("refused"));

        Assert.Null(await _identities.CheckAsync(_server.Object));
        Assert.Null(_identities.TrustedTag(_server.Object));
    }

    [Fact]
    public void Tag_DiffersForAnotherServerOrAnotherReplicationHistory()
    {
        string tag = ServerIdentities.Tag("run-a", "repl-1");

        Assert.Matches("^[0-9a-f]{12}$", tag);
        Assert.NotEqual(tag, ServerIdentities.Tag("run-b", "repl-1")); // restarted, or another node
        Assert.NotEqual(tag, ServerIdentities.Tag("run-a", "repl-2")); // promoted, or resynced from another primary
    }
}
