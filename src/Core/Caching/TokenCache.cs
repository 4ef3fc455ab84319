using System.Text.Json;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Redis for the validate path, on one server or a Redis Cluster. Every key of a token lives in its bucket's slot
/// (see <see cref="CacheKeys"/>), and every write goes through a script over that slot alone: a fill never replaces
/// an entry or revocation of the same or a newer version, is dropped when its table read is older than the fill
/// deadline, and is refused under any generation but the one it read before its table read. Every value is sealed
/// (<see cref="CacheEntrySeal"/>) with Redis's time as the write read it, and written under its bucket's generation; a generation carries the identity of
/// the server it was started on (<see cref="ServerIdentities"/>), so a server that is not the one that took the
/// writes (restarted, failed over, moved) serves no cached answer until the generation is renewed. Calls go through
/// a circuit breaker; any failure of a call, the client library's own refusals included, is Redis unavailable, and
/// callers fall back to Table Storage.
/// </summary>
internal partial class TokenCache(
    RedisConnection redis,
    RedisCircuit circuit,
    CacheEntrySeal seal,
    ReplicaAcknowledgements replicas,
    IOptions<CacheOptions> options,
    ILogger<TokenCache> logger)
{
    public const string RevokedPayload = "R";
    public const string UnknownPayload = "U";

    private static readonly CacheLookup Unavailable = new(false, default);

    private readonly CacheOptions _options = options.Value;

    /// <summary>
    /// The hot path, one GET: the token's entry, believed only where the generation it was sealed under was started
    /// on the server that answered (identified on that very connection). The source's failure budget is not read
    /// here: a token the cache answers as valid is answered so whatever the source spent (API.md); every other
    /// answer reads or spends the budget after.
    /// </summary>
    public virtual async Task<CacheLookup> LookupAsync(TokenHash hash)
    {
        if (!circuit.Allow())
        {
            return Unavailable;
        }

        RedisKey tokenKey = CacheKeys.Token(hash);
        RedisValue value;
        IServer server;
        long connects;
        try
        {
            ConnectionMultiplexer multiplexer = await redis.Reads.GetAsync();
            server = multiplexer.GetServer(tokenKey);
            connects = redis.Reads.Servers.Connects(server);
            value = await multiplexer.GetDatabase().StringGetAsync(tokenKey);

            // The slot's owner after the reply must be the one asked before it (a redirect moved it otherwise).
            if (!Equals(multiplexer.GetServer(tokenKey).EndPoint, server.EndPoint))
            {
                connects = -2;
            }

            circuit.Succeeded();
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e);
            return Unavailable;
        }

        if (value.IsNull)
        {
            return new CacheLookup(true, CachedToken.Miss);
        }

        string? tag = redis.Reads.Servers.TrustedTag(server, connects);
        if (tag is null && connects >= 0)
        {
            // First answer on a new connection: identify the server behind it (once), then judge the same reply.
            await redis.Reads.Servers.CheckAsync(server);
            tag = redis.Reads.Servers.TrustedTag(server, connects);
        }

        return new CacheLookup(true, tag is null ? CachedToken.Miss : seal.Open(hash, ((ReadOnlyMemory<byte>)value).Span, tag));
    }

    /// <summary>
    /// Redis's clock and the generation of the token's bucket, read before a miss goes to the table (after the
    /// server was identified): the fill presents both, and is dropped if the read is too old by then or the bucket
    /// was emptied or moved since. Null where Redis is unavailable.
    /// </summary>
    public Task<CacheClock?> ReadClockAsync(string tokenHash) =>
        ReadClockAsync(redis.Reads, CacheKeys.Generation(CacheKeys.Bucket(tokenHash)));

    /// <summary>
    /// For health: runs the validate path's own commands on a probe key (identify the server, the clock script, the
    /// put script over a token key and its generation, the hit's GET) on both links, bypassing the circuit; throws
    /// where Redis cannot run them (down, or refusing them: a cluster refuses keys of two slots, an ACL may refuse
    /// scripts). The put removes the probe key (a lifetime of 0): nothing is left behind.
    /// </summary>
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        const string ProbeHash = "0000000000000000000000000000000000000000000000000000000000000000";
        RedisKey generationKey = CacheKeys.Generation(CacheKeys.Bucket(ProbeHash));
        foreach (RedisLink link in new[] { redis.Reads, redis.Writes })
        {
            ConnectionMultiplexer multiplexer = await link.GetAsync().WaitAsync(cancellationToken);
            IDatabase database = multiplexer.GetDatabase();
            IServer server = multiplexer.GetServer(generationKey);
            string tag = await link.Servers.CheckAsync(server).WaitAsync(cancellationToken)
                ?? throw new InvalidOperationException("The Redis server could not be identified.");
            CacheClock clock = ToClock(await database.ScriptEvaluateAsync(CacheScripts.Clock, [generationKey], [tag, NewGeneration()]).WaitAsync(cancellationToken));
            RedisKey probe = CacheKeys.Token(ProbeHash);
            await database.ScriptEvaluateAsync(CacheScripts.Put, [probe, generationKey], PutArguments(0, "", 0, "fill", clock)).WaitAsync(cancellationToken);
            await database.StringGetAsync(probe).WaitAsync(cancellationToken);
        }
    }

    public static string Serialize(TokenCacheEntry entry) => JsonSerializer.Serialize(entry, CacheJsonContext.Default.TokenCacheEntry);

    /// <summary>A revocation lives as long as any entry it could have to outvote.</summary>
    public TimeSpan RevocationLifetime => _options.LongestLifetime;

    /// <summary>An entry's lifetime: the maximum, never past the token's end.</summary>
    public TimeSpan EntryLifetime(DateTimeOffset tokenEnd, DateTimeOffset now)
    {
        TimeSpan left = tokenEnd - now;
        return left < _options.MaxEntryLifetime ? left : _options.MaxEntryLifetime;
    }

    public TimeSpan UnknownLifetime => _options.UnknownTokenLifetime;

    private async Task<CacheClock?> ReadClockAsync(RedisLink link, RedisKey generationKey)
    {
        RedisResult? result = await TryAsync(link, async database =>
        {
            IServer server = database.Multiplexer.GetServer(generationKey);
            string tag = link.Servers.TrustedTag(server) ?? await link.Servers.CheckAsync(server)
                ?? throw new InvalidOperationException("The Redis server could not be identified.");
            return await database.ScriptEvaluateAsync(CacheScripts.Clock, [generationKey], [tag, NewGeneration()]);
        });
        return result is null ? null : ToClock(result);
    }

    /// <summary>The clock script's answer: Redis's TIME (seconds, microseconds) and the bucket's generation.</summary>
    private static CacheClock ToClock(RedisResult result)
    {
        RedisResult[] parts = (RedisResult[])result!;
        return new CacheClock((long)parts[0] * 1000 + (long)parts[1] / 1000, (string?)parts[2] ?? "");
    }

    /// <summary>ARGV of the put script (see <see cref="CacheScripts.Put"/>), for a value sealed under the clock's generation and time.</summary>
    private RedisValue[] PutArguments(long version, string value, long ttlMs, string mode, CacheClock clock) =>
        [version, value, ttlMs, mode, clock.NowMs, (long)_options.FillDeadline.TotalMilliseconds, clock.Generation, (long)_options.LongestLifetime.TotalMilliseconds];

    /// <summary>A Redis call through the circuit breaker; null where Redis is unavailable (never an exception).</summary>
    private async Task<T?> TryAsync<T>(RedisLink link, Func<IDatabase, Task<T>> call)
        where T : class
    {
        if (!circuit.Allow())
        {
            return null;
        }

        try
        {
            IDatabase database = (await link.GetAsync()).GetDatabase();
            T result = await call(database);
            circuit.Succeeded();
            return result;
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e);
            return default;
        }
    }

    private static string NewGeneration() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// Every failure of a Redis call counts, the client library's own refusals included (a command it will not send,
    /// a slot it cannot route): the caller falls back to the table, never answers 500.
    /// </summary>
    private static bool IsRedisFailure(Exception e) => e is not OperationCanceledException;

    private void Failed(Exception e)
    {
        circuit.Failed();
        LogRedisFailed(logger, e.GetType().Name, circuit.IsOpen);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis call failed ({Error}); circuit open: {CircuitOpen}")]
    private static partial void LogRedisFailed(ILogger logger, string error, bool circuitOpen);
}
