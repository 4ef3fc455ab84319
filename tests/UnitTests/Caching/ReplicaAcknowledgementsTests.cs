using System.Net;
using BlueTokens.Core.Caching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using StackExchange.Redis;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// Management writes wait for the replicas the server lists; concurrent writes share one WAIT per server, a WAIT
/// sent after a write covering it, so however many admins revoke at once, each waits at most for two.
/// </summary>
public sealed class ReplicaAcknowledgementsTests
{
    private readonly Mock<IServer> _server = new();
    private readonly List<TaskCompletionSource<RedisResult>> _waits = [];
    private readonly ReplicaAcknowledgements _acknowledgements =
        new(Options.Create(new CacheOptions { ReplicaAckTimeout = TimeSpan.FromMilliseconds(500) }), NullLogger<ReplicaAcknowledgements>.Instance);

    public ReplicaAcknowledgementsTests()
    {
        _server.SetupGet(server => server.EndPoint).Returns(new IPEndPoint(IPAddress.Loopback, 6379));
        Role(replicas: 1);
        _server.Setup(server => server.ExecuteAsync("WAIT", It.IsAny<object[]>())).Returns(() =>
        {
            var wait = new TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waits)
            {
                _waits.Add(wait);
            }

            return wait.Task;
        });
    }

    [Fact]
    public async Task AWrite_IsDurable_WhenEveryReplicaAcknowledges()
    {
        Task<bool> durable = _acknowledgements.AfterWritesAsync(_server.Object);
        await UntilAsync(() => _waits.Count == 1);
        _waits[0].SetResult(RedisResult.Create(1));

        Assert.True(await durable);
        _server.Verify(server => server.ExecuteAsync("WAIT", It.Is<object[]>(args => (int)args[0] == 1 && (long)args[1] == 500)), Times.Once);
    }

    [Fact]
    public async Task AWrite_IsNotDurable_WhenFewerReplicasAcknowledgeInTime()
    {
        Task<bool> durable = _acknowledgements.AfterWritesAsync(_server.Object);
        await UntilAsync(() => _waits.Count == 1);
        _waits[0].SetResult(RedisResult.Create(0));

        Assert.False(await durable);
    }

    [Fact]
    public async Task AServerWithoutReplicas_NeedsNoWait()
    {
        Role(replicas: 0);

        Assert.True(await _acknowledgements.AfterWritesAsync(_server.Object));
        _server.Verify(server => server.ExecuteAsync("WAIT", It.IsAny<object[]>()), Times.Never);
    }

    [Fact]
    public async Task ConcurrentWrites_ShareOneWaitInFlight_AndOneQueuedBehindIt()
    {
        Task<bool> first = _acknowledgements.AfterWritesAsync(_server.Object);
        await UntilAsync(() => _waits.Count == 1);

        // Ten more writes while the first WAIT is in flight: it may have been sent before them, so they all join
        // the one queued behind it.
        Task<bool>[] later = [.. Enumerable.Range(0, 10).Select(_ => _acknowledgements.AfterWritesAsync(_server.Object))];
        Assert.True(later.All(task => ReferenceEquals(task, later[0])), "the ten writes should share one queued WAIT");
        _waits[0].SetResult(RedisResult.Create(1));
        Assert.True(await first);
        await UntilAsync(() => _waits.Count == 2);
        _waits[1].SetResult(RedisResult.Create(1));

        Assert.All(await Task.WhenAll(later), durable => Assert.True(durable));
        Assert.Equal(2, _waits.Count);
    }

    [Fact]
    public async Task AFailingServer_IsNotDurable_AndNeverThrows()
    {
        _server.Setup(server => server.ExecuteAsync("ROLE", It.IsAny<object[]>())).ThrowsAsync(new TimeoutException("gone"));

        Assert.False(await _acknowledgements.AfterWritesAsync(_server.Object));
    }

    private void Role(int replicas)
    {
        RedisResult[] listed = [.. Enumerable.Range(0, replicas).Select(i => RedisResult.Create([RedisResult.Create((RedisValue)"127.0.0.1"), RedisResult.Create((RedisValue)$"{7000 + i}"), RedisResult.Create((RedisValue)"0")]))];
        _server.Setup(server => server.ExecuteAsync("ROLE", It.IsAny<object[]>()))
            .ReturnsAsync(RedisResult.Create([RedisResult.Create((RedisValue)"master"), RedisResult.Create(0), RedisResult.Create(listed)]));
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(5);
        }
    }
}
