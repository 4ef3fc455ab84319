using System.Runtime.CompilerServices;
using System.Text.Json;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>One token's cached state as read: a revocation, an unknown token, or a live entry.</summary>
internal readonly record struct CachedToken(CachedTokenKind Kind, TokenCacheEntry? Entry)
{
    public static CachedToken Miss => new(CachedTokenKind.Miss, null);
}

internal enum CachedTokenKind
{
    Miss,
    Revoked,
    Unknown,
    Live,
}

/// <summary>The answer of the validate path's one round trip: is the source over budget, and the token's entry.</summary>
internal readonly record struct CacheLookup(bool Available, bool OverBudget, TimeSpan RetryAfter, CachedToken Token);

/// <summary>Redis's clock (Unix ms) and the generation of a token's bucket, read together before a miss goes to the table.</summary>
internal readonly record struct CacheClock(long NowMs, string Generation);

/// <summary>How a management write fared: taken and held by the replicas, taken by the primary only, or not taken.</summary>
internal enum PublishOutcome
{
    Durable,
    NotReplicated,
    Unavailable,
}

/// <summary>
/// Redis for the validate path, on one server or a Redis Cluster. Every key of a token lives in its bucket's slot
/// (see <see cref="CacheKeys"/>), and every write goes through a script over that slot alone: a fill never replaces
/// an entry or revocation of the same or a newer version, is dropped when its table read is older than the fill
/// deadline, and is refused under any generation but the one it read before its table read. Every value is sealed
/// (<see cref="CacheEntrySeal"/>) and written under its bucket's generation; a generation carries the identity of
/// the server it was started on (<see cref="ServerIdentities"/>), so a server that is not the one that took the
/// writes (restarted, failed over, moved) serves no cached answer until the generation is renewed. Calls go through
/// a circuit breaker; any failure of a call, the client library's own refusals included, is Redis unavailable, and
/// callers fall back to Table Storage.
/// </summary>
internal partial class TokenCache(RedisConnection redis, RedisCircuit circuit, CacheEntrySeal seal, IOptions<CacheOptions> options, ILogger<TokenCache> logger)
{
    public const string RevokedPayload = "R";
    public const string UnknownPayload = "U";
    public static readonly TimeSpan FailureWindow = TimeSpan.FromSeconds(60);

    // KEYS: token key, generation key (one slot). ARGV: version, value, ttl ms, mode ('fill' or 'publish'), read
    // time ms, fill deadline ms, the generation the write was sealed under. -1: the generation is another (read
    // again); 0: an entry as new is there, or the fill is too old; 1: written. An entry written under another
    // generation counts as absent.
    private const string PutScript = """
        local generation = redis.call('GET', KEYS[2])
        if generation ~= ARGV[7] then return -1 end
        local version = tonumber(ARGV[1])
        if ARGV[4] == 'fill' then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          if now - tonumber(ARGV[5]) > tonumber(ARGV[6]) then return 0 end
        end
        local current = redis.call('GET', KEYS[1])
        if current then
          local held, under = string.match(current, '^(%d+)|([^|]*)|')
          if under == generation then
            held = tonumber(held) or 0
            if held > version or (held == version and ARGV[4] == 'fill') then return 0 end
          end
        end
        if ARGV[3] == '0' then
          redis.call('DEL', KEYS[1])
        else
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        end
        return 1
        """;

    // KEYS: generation key. ARGV: the identity tag of the server, a new generation id. Redis's clock and the
    // bucket's generation in one step; a generation is started where there is none or where it was started on
    // another server, so that every fill presents one and a later emptying or change of server refuses that fill.
    private const string ClockScript = """
        local t = redis.call('TIME')
        local g = redis.call('GET', KEYS[1])
        if not g or string.sub(g, 1, #ARGV[1] + 1) ~= ARGV[1] .. '-' then
          g = ARGV[1] .. '-' .. ARGV[2]
          redis.call('SET', KEYS[1], g)
        end
        return {t[1], t[2], g}
        """;

    // KEYS: failure key. ARGV: window ms. The window opens with the first failure and is never extended.
    private const string SpendScript = """
        local spent = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if spent == 1 or ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return {spent, ttl}
        """;

    private const int PublishAttempts = 3;

    private static readonly CacheLookup Unavailable = new(false, false, TimeSpan.Zero, default);

    // The failure key of the last source seen on this thread: validate calls come from few sources (gateways,
    // connectors' hosts), so the key is nearly always built once per thread rather than once per request.
    [ThreadStatic]
    private static (string Source, RedisKey Key)? _lastFailureKey;

    private readonly CacheOptions _options = options.Value;

    /// <summary>
    /// The hot path, one round trip: the token's entry, its bucket's generation and the source's spent budget, in
    /// one MGET on one server, or on a cluster an MGET of the first two (one slot) pipelined with a GET of the budget
    /// (its own slot). Only a source over its budget costs a second call, for when its window ends.
    /// </summary>
    public virtual async Task<CacheLookup> LookupAsync(TokenHash hash, string source, int budget)
    {
        if (!circuit.Allow())
        {
            return Unavailable;
        }

        (RedisKey tokenKey, RedisKey generationKey) = CacheKeys.TokenAndGeneration(hash);
        RedisKey failures = FailureKey(source);
        RedisValue entry, generation, spent;
        IServer server;
        long connects;
        try
        {
            ConnectionMultiplexer multiplexer = await redis.Reads.GetAsync();
            IDatabase database = multiplexer.GetDatabase();
            server = multiplexer.GetServer(tokenKey);
            connects = redis.Reads.Servers.Connects(server);
            if (redis.Reads.IsCluster(multiplexer))
            {
                Task<RedisValue> budgetRead = database.StringGetAsync(failures);
                RedisValue[] pair = await ObservedAsync(database.StringGetAsync([tokenKey, generationKey]), budgetRead);
                (entry, generation, spent) = (pair[0], pair[1], await budgetRead);
            }
            else
            {
                RedisValue[] values = await database.StringGetAsync([tokenKey, generationKey, failures]);
                (entry, generation, spent) = (values[0], values[1], values[2]);
            }

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

        if (spent.TryParse(out long failuresSpent) && failuresSpent >= budget)
        {
            StrongBox<TimeSpan?>? left = await TryAsync(redis.Reads, async database => new StrongBox<TimeSpan?>(await database.KeyTimeToLiveAsync(failures)));
            return new CacheLookup(true, true, left?.Value ?? FailureWindow, default);
        }

        if (!entry.IsNull && redis.Reads.Servers.TrustedTag(server, connects) is null && connects >= 0)
        {
            // First answer on a new connection: identify the server behind it (once), then judge the same reply.
            await redis.Reads.Servers.CheckAsync(server);
        }

        return new CacheLookup(true, false, TimeSpan.Zero, Trust(server, connects, hash, entry, generation));
    }

    /// <summary>
    /// Redis's clock and the generation of the token's bucket, read before a miss goes to the table (after the
    /// server was identified): the fill presents both, and is dropped if the read is too old by then or the bucket
    /// was emptied or moved since. Null where Redis is unavailable.
    /// </summary>
    public virtual Task<CacheClock?> ReadClockAsync(string tokenHash) =>
        ReadClockAsync(redis.Reads, CacheKeys.Generation(CacheKeys.Bucket(tokenHash)));

    /// <summary>Spends one unit of a source's budget; gives the units spent in its window and when it ends (null: Redis unavailable).</summary>
    public virtual async Task<(long Spent, TimeSpan WindowLeft)?> SpendAsync(string source)
    {
        RedisResult? result = await TryAsync(redis.Reads, database => database.ScriptEvaluateAsync(
            SpendScript, [CacheKeys.Failures(source)], [(long)FailureWindow.TotalMilliseconds]));
        if (result is null)
        {
            return null;
        }

        RedisResult[] parts = (RedisResult[])result!;
        return ((long)parts[0], TimeSpan.FromMilliseconds((long)parts[1]));
    }

    /// <summary>
    /// Writes what a validate miss read from the table, unless anything as new is already there, the read is older
    /// than the fill deadline, or the bucket's generation is no longer the one read before the table.
    /// </summary>
    public virtual async Task<bool> FillAsync(string tokenHash, long version, string payload, TimeSpan lifetime, CacheClock clock)
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
        var written = new Dictionary<System.Net.EndPoint, (IServer Server, List<int> Writes)>();
        foreach (IGrouping<string, int> bucket in Enumerable.Range(0, writes.Count).GroupBy(i => CacheKeys.Bucket(writes[i].TokenHash)))
        {
            foreach (int index in bucket)
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
        }

        foreach ((IServer server, List<int> indexes) in written.Values)
        {
            if (await ReplicatedAsync(server))
            {
                indexes.ForEach(index => outcomes[index] = PublishOutcome.Durable);
            }
        }

        return outcomes;
    }

    /// <summary>
    /// For health: runs the validate path's own commands (identify the server, the clock script, the hit's MGET of
    /// one bucket) on both links, bypassing the circuit; throws where Redis cannot run them (down, or refusing them,
    /// as a cluster refuses keys of two slots).
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
            await database.ScriptEvaluateAsync(ClockScript, [generationKey], [tag, NewGeneration()]).WaitAsync(cancellationToken);
            await database.StringGetAsync([CacheKeys.Token(ProbeHash), generationKey]).WaitAsync(cancellationToken);
        }
    }

    public static string Serialize(TokenCacheEntry entry) => JsonSerializer.Serialize(entry, CacheJsonContext.Default.TokenCacheEntry);

    /// <summary>A revocation lives as long as any entry it could have to outvote.</summary>
    public TimeSpan RevocationLifetime => _options.MaxEntryLifetime + _options.FillDeadline;

    /// <summary>An entry's lifetime: the maximum, never past the token's end.</summary>
    public TimeSpan EntryLifetime(DateTimeOffset tokenEnd, DateTimeOffset now)
    {
        TimeSpan left = tokenEnd - now;
        return left < _options.MaxEntryLifetime ? left : _options.MaxEntryLifetime;
    }

    public TimeSpan UnknownLifetime => _options.UnknownTokenLifetime;

    /// <summary>
    /// What a hit may believe: nothing from a server not identified on this connection, nothing under a generation
    /// started on another server, nothing written under another generation or failing its seal.
    /// </summary>
    private CachedToken Trust(IServer server, long connects, in TokenHash hash, RedisValue entry, RedisValue generation)
    {
        if (entry.IsNull || generation.IsNull || redis.Reads.Servers.TrustedTag(server, connects) is not { } tag)
        {
            return CachedToken.Miss;
        }

        ReadOnlySpan<byte> current = ((ReadOnlyMemory<byte>)generation).Span;
        if (current.Length <= tag.Length || current[tag.Length] != (byte)'-' || !AsciiEquals(current[..tag.Length], tag))
        {
            return CachedToken.Miss;
        }

        return seal.Open(hash, ((ReadOnlyMemory<byte>)entry).Span, current);
    }

    private async Task<CacheClock?> ReadClockAsync(RedisLink link, RedisKey generationKey)
    {
        RedisResult? result = await TryAsync(link, async database =>
        {
            IServer server = database.Multiplexer.GetServer(generationKey);
            string tag = link.Servers.TrustedTag(server) ?? await link.Servers.CheckAsync(server)
                ?? throw new InvalidOperationException("The Redis server could not be identified.");
            return await database.ScriptEvaluateAsync(ClockScript, [generationKey], [tag, NewGeneration()]);
        });
        if (result is null)
        {
            return null;
        }

        RedisResult[] parts = (RedisResult[])result!;
        return new CacheClock((long)parts[0] * 1000 + (long)parts[1] / 1000, (string?)parts[2] ?? "");
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

    /// <summary>WAIT for every replica the server has now (ROLE), on the connection that wrote; true where all hold the writes.</summary>
    private async Task<bool> ReplicatedAsync(IServer server)
    {
        try
        {
            RedisResult[] role = (RedisResult[])(await server.ExecuteAsync("ROLE"))!;
            int replicas = role.Length > 2 && role[2].Resp2Type == ResultType.Array ? ((RedisResult[])role[2]!).Length : 0;
            if (replicas == 0)
            {
                return true; // nothing to fail over to
            }

            long acknowledged = (long)await server.ExecuteAsync("WAIT", replicas, (long)_options.ReplicaAckTimeout.TotalMilliseconds);
            if (acknowledged < replicas)
            {
                LogNotReplicated(logger, server.EndPoint, acknowledged, replicas);
                return false;
            }

            return true;
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            LogRedisFailed(logger, e.GetType().Name, circuit.IsOpen);
            return false;
        }
    }

    private async Task<RedisResult?> PutAsync(RedisLink link, string tokenHash, long version, string payload, TimeSpan lifetime, string mode, CacheClock clock)
    {
        long ttl = lifetime <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(lifetime.TotalMilliseconds);
        string value = seal.Seal(tokenHash, version, clock.Generation, payload);
        string bucket = CacheKeys.Bucket(tokenHash);
        return await TryAsync(link, database => database.ScriptEvaluateAsync(
            PutScript,
            [CacheKeys.Token(tokenHash), CacheKeys.Generation(bucket)],
            [version, value, ttl, mode, clock.NowMs, (long)_options.FillDeadline.TotalMilliseconds, clock.Generation]));
    }

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

    /// <summary>Awaits <paramref name="first"/>, observing <paramref name="second"/>'s failure too where the first fails.</summary>
    private static async Task<T> ObservedAsync<T>(Task<T> first, Task second)
    {
        try
        {
            return await first;
        }
        catch
        {
            _ = second.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            throw;
        }
    }

    private static bool AsciiEquals(ReadOnlySpan<byte> bytes, string text)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
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

    private static RedisKey FailureKey(string source)
    {
        if (_lastFailureKey is { } last && string.Equals(last.Source, source, StringComparison.Ordinal))
        {
            return last.Key;
        }

        RedisKey key = CacheKeys.Failures(source);
        _lastFailureKey = (source, key);
        return key;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis call failed ({Error}); circuit open: {CircuitOpen}")]
    private static partial void LogRedisFailed(ILogger logger, string error, bool circuitOpen);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {Endpoint}: {Acknowledged} of {Replicas} replicas acknowledged a management write in time; it stays pending")]
    private static partial void LogNotReplicated(ILogger logger, System.Net.EndPoint endpoint, long acknowledged, int replicas);
}

/// <summary>One versioned cache write of a management change: a live state, or a revocation.</summary>
internal sealed record CacheWrite(string TokenHash, long Version, string Payload, TimeSpan Lifetime);
