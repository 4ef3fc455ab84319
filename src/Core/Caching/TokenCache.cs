using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using BlueTokens.Core.Tokens;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>One token's cached state as read: a revocation, an unknown token, or a live entry.</summary>
internal readonly record struct CachedToken(CachedTokenKind Kind, TokenCacheEntry? Entry);

internal enum CachedTokenKind
{
    Miss,
    Revoked,
    Unknown,
    Live,
}

/// <summary>The answer of the validate path's single Redis call: is the source over budget, and the token's entry.</summary>
internal readonly record struct CacheLookup(bool Available, bool OverBudget, TimeSpan RetryAfter, CachedToken Token);

/// <summary>Redis's clock (Unix ms) and the cache generation, read together before a miss goes to the table.</summary>
internal readonly record struct CacheClock(long NowMs, string Generation);

/// <summary>
/// Redis for the validate path. Every write is versioned in a Lua script: a validate's fill never replaces an
/// entry or revocation of the same or a newer version, and a fill whose table read is older than the fill deadline
/// is dropped, so a fill that raced a revocation cannot revive a token. Every entry expires by
/// Cache__MaxEntryLifetime and never after its token. Calls go through a circuit breaker; when Redis is down
/// every method answers "unavailable" at once and callers fall back to Table Storage.
/// </summary>
internal partial class TokenCache(RedisConnection redis, RedisCircuit circuit, IOptions<CacheOptions> options, ILogger<TokenCache> logger)
{
    public const string RevokedPayload = "R";
    public const string UnknownPayload = "U";
    public static readonly TimeSpan FailureWindow = TimeSpan.FromSeconds(60);

    // KEYS: token key, generation key. ARGV: version, value, ttl ms, mode ('fill' or 'publish'), read time ms,
    // fill deadline ms, the generation the fill's lookup saw ('' for none), a new generation id.
    // A fill needs the same generation, a young enough read, and the key absent or older; a publish (a management
    // write, or its replay) starts a generation where there is none, and needs the key not newer.
    private const string PutScript = """
        local version = tonumber(ARGV[1])
        local generation = redis.call('GET', KEYS[2])
        if ARGV[4] == 'fill' then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          if now - tonumber(ARGV[5]) > tonumber(ARGV[6]) then return 0 end
          if (generation or '') ~= ARGV[7] then return 0 end
        end
        if not generation then redis.call('SET', KEYS[2], ARGV[8]) end
        local current = redis.call('GET', KEYS[1])
        if current then
          local held = tonumber(string.match(current, '^(%d+)|')) or 0
          if held > version or (held == version and ARGV[4] == 'fill') then return 0 end
        end
        if ARGV[3] == '0' then
          redis.call('DEL', KEYS[1])
        else
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        end
        return 1
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

    private readonly CacheOptions _options = options.Value;

    // KEYS: generation key. ARGV: a new generation id. Redis's clock and the generation in one atomic step; a
    // generation is started where there is none, so that a fill always presents one and a later emptying of Redis
    // (which removes it) always refuses that fill.
    private const string ClockScript = """
        local t = redis.call('TIME')
        redis.call('SET', KEYS[1], ARGV[1], 'NX')
        return {t[1], t[2], redis.call('GET', KEYS[1])}
        """;

    private static readonly CacheLookup Unavailable = new(false, false, TimeSpan.Zero, default);

    // The failure key of the last source seen on this thread: validate calls come from few sources (gateways,
    // connectors' hosts), so the key is nearly always built once per thread rather than once per request.
    [ThreadStatic]
    private static (string Source, RedisKey Key)? _lastFailureKey;

    /// <summary>
    /// The hot path: the token's entry and the source's spent budget, in one plain MGET (as cheap as a GET; a
    /// script costs Redis more). Only a source over its budget costs a second call, for when its window ends.
    /// Written out rather than through <see cref="TryAsync{T}"/>: no closure and one state machine fewer.
    /// </summary>
    public virtual async Task<CacheLookup> LookupAsync(TokenHash hash, string source, int budget)
    {
        if (!circuit.Allow())
        {
            return Unavailable;
        }

        RedisKey failures = FailureKey(source);
        RedisValue[] values;
        try
        {
            IDatabase database = await redis.GetDatabaseAsync();
            values = await database.StringGetAsync([CacheKeys.Token(hash), failures]);
            circuit.Succeeded();
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            Failed(e);
            return Unavailable;
        }

        if (values[1].TryParse(out long spent) && spent >= budget)
        {
            StrongBox<TimeSpan?>? left = await TryAsync(async database => new StrongBox<TimeSpan?>(await database.KeyTimeToLiveAsync(failures)));
            return new CacheLookup(true, true, left?.Value ?? FailureWindow, default);
        }

        return new CacheLookup(true, false, TimeSpan.Zero, Parse(((ReadOnlyMemory<byte>)values[0]).Span, values[0].IsNull));
    }

    /// <summary>
    /// Redis's clock and the generation, read before a miss goes to the table: the fill presents both, and is
    /// dropped if the read is too old by then or Redis was emptied since. Null where Redis is unavailable.
    /// </summary>
    public virtual async Task<CacheClock?> ReadClockAsync()
    {
        RedisResult? result = await TryAsync(database => database.ScriptEvaluateAsync(ClockScript, [CacheKeys.Generation], [NewGeneration()]));
        if (result is null)
        {
            return null;
        }

        RedisResult[] parts = (RedisResult[])result!;
        return new CacheClock((long)parts[0] * 1000 + (long)parts[1] / 1000, (string?)parts[2] ?? "");
    }

    /// <summary>Spends one unit of a source's budget; gives the units spent in its window and when it ends (null: Redis unavailable).</summary>
    public virtual async Task<(long Spent, TimeSpan WindowLeft)?> SpendAsync(string source)
    {
        RedisResult? result = await TryAsync(database => database.ScriptEvaluateAsync(
            SpendScript, [CacheKeys.Failures(source)], [(long)FailureWindow.TotalMilliseconds]));
        if (result is null)
        {
            return null;
        }

        RedisResult[] parts = (RedisResult[])result!;
        return ((long)parts[0], TimeSpan.FromMilliseconds((long)parts[1]));
    }

    /// <summary>
    /// Writes what a validate miss read from the table, unless anything as new is already there or the read
    /// (which began at <paramref name="redisTimeOfReadMs"/>, Redis's clock) is older than the fill deadline.
    /// </summary>
    public virtual Task<bool> FillAsync(string tokenHash, long version, string payload, TimeSpan lifetime, long redisTimeOfReadMs, string generation) =>
        lifetime <= TimeSpan.Zero
            ? Task.FromResult(true) // the token has ended: nothing worth caching
            : PutAsync(tokenHash, version, payload, lifetime, "fill", redisTimeOfReadMs, generation);

    /// <summary>
    /// Writes a management change (a state or a revocation) unless a newer one is there; a state whose token has
    /// ended removes the entry instead. False where Redis could not be reached.
    /// </summary>
    public Task<bool> PublishAsync(CacheWrite write) =>
        PutAsync(write.TokenHash, write.Version, write.Payload, write.Lifetime, "publish", 0, "");

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

    private async Task<bool> PutAsync(string tokenHash, long version, string payload, TimeSpan lifetime, string mode, long readAtMs, string generation)
    {
        long ttl = lifetime <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(lifetime.TotalMilliseconds);
        RedisResult? result = await TryAsync(database => database.ScriptEvaluateAsync(
            PutScript,
            [CacheKeys.Token(tokenHash), CacheKeys.Generation],
            [version, $"{version}|{payload}", ttl, mode, readAtMs, (long)_options.FillDeadline.TotalMilliseconds, generation, NewGeneration()]));
        return result is not null;
    }

    /// <summary>A Redis call through the circuit breaker; null where Redis is unavailable (never an exception).</summary>
    private async Task<T?> TryAsync<T>(Func<IDatabase, Task<T>> call)
        where T : class
    {
        if (!circuit.Allow())
        {
            return null;
        }

        try
        {
            IDatabase database = await redis.GetDatabaseAsync();
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

    private static string NewGeneration() => Guid.NewGuid().ToString("N");

    private static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

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

    /// <summary>Reads a stored value from its UTF-8 bytes (no string of it is made).</summary>
    internal static CachedToken Parse(ReadOnlySpan<byte> value, bool isNull = false)
    {
        if (isNull || value.IsEmpty)
        {
            return new CachedToken(CachedTokenKind.Miss, null);
        }

        int bar = value.IndexOf((byte)'|');
        ReadOnlySpan<byte> payload = bar < 0 ? value : value[(bar + 1)..];
        if (payload.SequenceEqual("R"u8))
        {
            return new CachedToken(CachedTokenKind.Revoked, null);
        }

        if (payload.SequenceEqual("U"u8))
        {
            return new CachedToken(CachedTokenKind.Unknown, null);
        }

        // Unreadable: treat as absent and ask the table.
        return TokenCacheEntry.Read(payload) is { } entry ? new CachedToken(CachedTokenKind.Live, entry) : new CachedToken(CachedTokenKind.Miss, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis call failed ({Error}); circuit open: {CircuitOpen}")]
    private static partial void LogRedisFailed(ILogger logger, string error, bool circuitOpen);
}

/// <summary>One versioned cache write of a management change: a live state, or a revocation.</summary>
internal sealed record CacheWrite(string TokenHash, long Version, string Payload, TimeSpan Lifetime);
