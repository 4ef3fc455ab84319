using System.Net;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>The cache's writes: a validate's fill, and management changes with their replicas' acknowledgement.</summary>
internal partial class TokenCache
{
    private const int PublishAttempts = 3;

    /// <summary>
    /// Writes what a validate miss read from the table, unless anything as new is already there, the read is older
    /// than the fill deadline, or the bucket's generation is no longer the one read before the table.
    /// </summary>
    public async Task<bool> FillAsync(string tokenHash, long version, string payload, TimeSpan lifetime, CacheClock clock)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return true; // the token has ended: nothing worth caching
        }

        RedisResult? result = await PutAsync(redis.Reads, tokenHash, version, payload, lifetime, "fill", clock);
        return result is not null && (int)result == 1;
    }

    /// <summary>
    /// Writes management changes (states and revocations), each unless a newer one is there; a state whose token has
    /// ended removes the entry instead. Then waits, up to <c>Cache__ReplicaAckTimeout</c>, until every replica of the
    /// servers written to holds them, so that a failover cannot lose them. Never throws for Redis.
    /// </summary>
    public async Task<PublishOutcome[]> PublishAsync(IReadOnlyList<CacheWrite> writes)
    {
        var outcomes = new PublishOutcome[writes.Count];
        Array.Fill(outcomes, PublishOutcome.Unavailable);
        var written = new Dictionary<EndPoint, (IServer Server, List<int> Writes)>();
        for (int index = 0; index < writes.Count; index++)
        {
            if (await PublishOneAsync(writes[index]) is { } server)
            {
                outcomes[index] = PublishOutcome.NotReplicated;
                if (!written.TryGetValue(server.EndPoint, out var group))
                {
                    written[server.EndPoint] = group = (server, []);
                }

                group.Writes.Add(index);
            }
        }

        foreach ((IServer server, List<int> indexes) in written.Values)
        {
            if (await replicas.AfterWritesAsync(server))
            {
                indexes.ForEach(index => outcomes[index] = PublishOutcome.Durable);
            }
        }

        return outcomes;
    }

    /// <summary>One management write under its bucket's current generation; the server that took it, or null.</summary>
    private async Task<IServer?> PublishOneAsync(CacheWrite write)
    {
        RedisKey generationKey = CacheKeys.Generation(CacheKeys.Bucket(write.TokenHash));
        for (int attempt = 0; attempt < PublishAttempts; attempt++)
        {
            if (await ReadClockAsync(redis.Writes, generationKey) is not { } clock)
            {
                return null;
            }

            RedisResult? result = await PutAsync(redis.Writes, write.TokenHash, write.Version, write.Payload, write.Lifetime, "publish", clock);
            if (result is null)
            {
                return null;
            }

            if ((int)result != -1)
            {
                // Taken, or a newer state is there: either way the cache holds this change or a later one.
                return (await redis.Writes.GetAsync()).GetServer(generationKey);
            }
        }

        return null; // the generation kept changing under us: leave it to the replay
    }

    private async Task<RedisResult?> PutAsync(RedisLink link, string tokenHash, long version, string payload, TimeSpan lifetime, string mode, CacheClock clock)
    {
        long ttl = lifetime <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(lifetime.TotalMilliseconds);
        // Dated by Redis's clock as this write read it (a management write just now, a fill before its table read): a
        // write replayed from the pending table is dated by its replay, never by the change it carries.
        string value = seal.Seal(tokenHash, version, clock.Generation, clock.NowMs, payload);
        string bucket = CacheKeys.Bucket(tokenHash);
        return await TryAsync(link, database => database.ScriptEvaluateAsync(
            CacheScripts.Put, [CacheKeys.Token(tokenHash), CacheKeys.Generation(bucket)], PutArguments(version, value, ttl, mode, clock)));
    }
}
