using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>The failure budget of validate's sources (API.md): one counter per source, on its own slot, shared by every instance.</summary>
internal partial class TokenCache
{
    public static readonly TimeSpan FailureWindow = TimeSpan.FromSeconds(60);

    // The failure key of the last source seen on this thread: validate calls come from few sources (gateways,
    // connectors' hosts), so the key is nearly always built once per thread rather than once per request.
    [ThreadStatic]
    private static (string Source, RedisKey Key)? _lastFailureKey;

    /// <summary>
    /// Whether a source has spent its failure budget, and for how long its window still runs (one command on the
    /// budget's own slot); null where Redis is unavailable.
    /// </summary>
    public async Task<BudgetState?> ReadBudgetAsync(string source, int budget)
    {
        RedisResult? result = await TryAsync(redis.Reads, database => database.ScriptEvaluateAsync(CacheScripts.Budget, [FailureKey(source)]));
        if (result is null)
        {
            return null;
        }

        RedisResult[] parts = (RedisResult[])result!;
        long spent = (long)parts[0];
        long leftMs = (long)parts[1];
        return new BudgetState(spent >= budget, leftMs > 0 ? TimeSpan.FromMilliseconds(leftMs) : FailureWindow);
    }

    /// <summary>Spends one unit of a source's budget; gives the units spent in its window and when it ends (null: Redis unavailable).</summary>
    public async Task<(long Spent, TimeSpan WindowLeft)?> SpendAsync(string source)
    {
        RedisResult? result = await TryAsync(redis.Reads, database => database.ScriptEvaluateAsync(
            CacheScripts.Spend, [FailureKey(source)], [(long)FailureWindow.TotalMilliseconds]));
        if (result is null)
        {
            return null;
        }

        RedisResult[] parts = (RedisResult[])result!;
        return ((long)parts[0], TimeSpan.FromMilliseconds((long)parts[1]));
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
}
