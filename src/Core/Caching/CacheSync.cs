using BlueTokens.Core.Clients;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Keeps Redis in step with management writes, after the table has committed them: the new state of every
/// token the client still has, and a revocation for every token it no longer has. A write Redis does not take is
/// recorded durably and replayed: at once in the background until Redis answers, whenever a connection is
/// restored, at start-up, and by the expiry timer.
/// </summary>
internal sealed partial class CacheSync(
    TokenCache cache,
    PendingInvalidationStore pending,
    RedisConnection redis,
    TimeProvider time,
    ILogger<CacheSync> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);
    private const int ReplayBatch = 500;

    private readonly SemaphoreSlim _wake = new(0);
    private volatile bool _mayHavePending = true;

    /// <summary>The writes that make the cache say what <paramref name="client"/> now says, and forget <paramref name="revokedHashes"/>.</summary>
    public IReadOnlyList<CacheWrite> WritesFor(ClientRecord? client, IEnumerable<string> revokedHashes, long version)
    {
        DateTimeOffset now = time.GetUtcNow();
        var writes = new List<CacheWrite>();
        if (client is not null)
        {
            // A current token reported as leaked is no longer a token (API.md: invalid_token), though it stays the client's until a regenerate.
            writes.Add(client.Leak is null
                ? Live(client, client.TokenHash, client.ExpiresAt, grace: false, now)
                : new CacheWrite(client.TokenHash, version, TokenCache.RevokedPayload, cache.RevocationLifetime));
            writes.AddRange(client.GraceTokens.Select(grace => Live(client, grace.Hash, grace.Until, grace: true, now)));
        }

        writes.AddRange(revokedHashes.Distinct().Select(hash => new CacheWrite(hash, version, TokenCache.RevokedPayload, cache.RevocationLifetime)));
        return writes;
    }

    /// <summary>
    /// Publishes the writes; what Redis does not take, or takes without its replicas confirming in time, is recorded
    /// for replay. Never throws for Redis.
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<CacheWrite> writes, CancellationToken cancellationToken = default)
    {
        PublishOutcome[] outcomes = await cache.PublishAsync(writes);
        var missed = writes.Where((_, index) => outcomes[index] != PublishOutcome.Durable).ToList();
        if (missed.Count == 0)
        {
            return;
        }

        LogPublishMissed(logger, missed.Count);
        _mayHavePending = true;
        try
        {
            await pending.RecordAsync(missed, time.GetUtcNow(), cancellationToken);
        }
        catch (Azure.RequestFailedException e)
        {
            // The change itself has committed; failing the request now would tell the admin it had not. What is
            // left is bounded: every cache entry ends within Cache__MaxEntryLifetime.
            LogRecordFailed(logger, e.Status);
        }

        _wake.Release();
    }

    /// <summary>Replays what is pending; returns how many writes are still pending (Redis still unavailable).</summary>
    public async Task<int> ReplayAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<CacheWrite> writes = await pending.ReadAsync(time.GetUtcNow(), ReplayBatch, cancellationToken);
        // A write whose lifetime has passed has nothing left to outvote: drop it. The rest go out together.
        ILookup<bool, CacheWrite> ended = writes.ToLookup(write => write.Lifetime <= TimeSpan.Zero && write.Payload == TokenCache.RevokedPayload);
        List<CacheWrite> live = ended[false].ToList();
        PublishOutcome[] outcomes = live.Count == 0 ? [] : await cache.PublishAsync(live);
        foreach (CacheWrite write in ended[true].Concat(live.Where((_, index) => outcomes[index] == PublishOutcome.Durable)))
        {
            await pending.RemoveAsync(write, cancellationToken);
        }

        int left = outcomes.Count(outcome => outcome != PublishOutcome.Durable);

        if (writes.Count > 0)
        {
            LogReplayed(logger, writes.Count - left, left);
        }

        _mayHavePending = left > 0 || writes.Count == ReplayBatch;
        return left;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.Restored += OnRestored;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_mayHavePending)
                {
                    try
                    {
                        await ReplayAsync(stoppingToken);
                    }
                    catch (Exception e) when (e is Azure.RequestFailedException or IOException or HttpRequestException)
                    {
                        LogReplayFailed(logger, e.GetType().Name);
                    }
                }

                await _wake.WaitAsync(_mayHavePending ? RetryInterval : SweepInterval, stoppingToken);

                // Woken, retrying, or the periodic sweep (which also replays what stopped instances left): replay.
                _mayHavePending = true;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.Restored -= OnRestored;
        }
    }

    private void OnRestored()
    {
        _mayHavePending = true;
        _wake.Release();
    }

    private CacheWrite Live(ClientRecord client, string hash, DateTimeOffset end, bool grace, DateTimeOffset now) => new(
        hash,
        client.Version,
        TokenCache.Serialize(TokenCacheEntry.Of(client, end, grace)),
        cache.EntryLifetime(end, now));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not take {Count} cache writes of a management change, or its replicas did not confirm them; recorded for replay")]
    private static partial void LogPublishMissed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pending cache writes could not be recorded (status {Status}); stale entries end within Cache__MaxEntryLifetime")]
    private static partial void LogRecordFailed(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Replayed} pending cache writes; {Left} still pending")]
    private static partial void LogReplayed(ILogger logger, int replayed, int left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replaying pending cache writes failed ({Error}); will retry")]
    private static partial void LogReplayFailed(ILogger logger, string error);
}
