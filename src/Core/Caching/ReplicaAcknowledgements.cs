using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Confirms that management writes reached every replica of the server that took them (WAIT, for as many replicas
/// as ROLE lists now), so that a failover cannot lose them. WAIT blocks the connection it is sent on, so it goes on
/// the management link only, and concurrent writes share one WAIT per server: a WAIT sent after a write covers it,
/// so a write arriving while one is in flight joins the next, and a lagging replica costs each admin at most about
/// two <c>Cache__ReplicaAckTimeout</c>s, however many revoke at once.
/// </summary>
internal sealed partial class ReplicaAcknowledgements(IOptions<CacheOptions> options, ILogger<ReplicaAcknowledgements> logger)
{
    private readonly ConcurrentDictionary<EndPoint, Line> _lines = new();

    /// <summary>True where every replica the server has holds every write made on this link before the call.</summary>
    public Task<bool> AfterWritesAsync(IServer server) =>
        _lines.GetOrAdd(server.EndPoint, _ => new Line()).Join(() => WaitAsync(server));

    private async Task<bool> WaitAsync(IServer server)
    {
        try
        {
            RedisResult[] role = (RedisResult[])(await server.ExecuteAsync("ROLE"))!;
            int replicas = role.Length > 2 && role[2].Resp2Type == ResultType.Array ? ((RedisResult[])role[2]!).Length : 0;
            if (replicas == 0)
            {
                return true; // nothing to fail over to
            }

            long timeoutMs = (long)options.Value.ReplicaAckTimeout.TotalMilliseconds;
            long acknowledged = (long)await server.ExecuteAsync("WAIT", replicas, timeoutMs);
            if (acknowledged < replicas)
            {
                LogNotReplicated(logger, server.EndPoint, acknowledged, replicas);
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWaitFailed(logger, server.EndPoint, e.GetType().Name);
            return false;
        }
    }

    /// <summary>One server's WAITs: at most one in flight and one queued behind it, which every newcomer joins.</summary>
    private sealed class Line
    {
        private readonly Lock _lock = new();
        private Task<bool>? _inFlight;
        private Task<bool>? _queued;

        public Task<bool> Join(Func<Task<bool>> wait)
        {
            lock (_lock)
            {
                if (_queued is not null)
                {
                    return _queued; // not sent yet: it will cover this write
                }

                if (_inFlight is null || _inFlight.IsCompleted)
                {
                    return _inFlight = wait();
                }

                return _queued = AfterAsync(_inFlight, wait); // the one in flight may have been sent before this write
            }
        }

        private async Task<bool> AfterAsync(Task<bool> previous, Func<Task<bool>> wait)
        {
            await previous.ConfigureAwait(false); // never faults: WaitAsync answers false instead
            Task<bool> mine;
            lock (_lock)
            {
                mine = wait();
                _inFlight = mine;
                _queued = null;
            }

            return await mine.ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoint}: {Acknowledged} of {Replicas} replicas acknowledged management writes in time; they stay pending")]
    private static partial void LogNotReplicated(ILogger logger, EndPoint endpoint, long acknowledged, int replicas);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoint}: replicas could not be asked ({Error}); the writes stay pending")]
    private static partial void LogWaitFailed(ILogger logger, EndPoint endpoint, string error);
}
