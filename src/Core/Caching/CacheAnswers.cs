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

/// <summary>The answer of the validate path's one command: whether Redis answered, and the token's entry.</summary>
internal readonly record struct CacheLookup(bool Available, CachedToken Token);

/// <summary>A source's failure budget: spent or not, and how long its window still runs.</summary>
internal readonly record struct BudgetState(bool Spent, TimeSpan WindowLeft);

/// <summary>Redis's clock (Unix ms) and the generation of a token's bucket, read together before a miss goes to the table.</summary>
internal readonly record struct CacheClock(long NowMs, string Generation);

/// <summary>How a management write fared: taken and held by the replicas, taken by the primary only, or not taken.</summary>
internal enum PublishOutcome
{
    Durable,
    NotReplicated,
    Unavailable,
}

/// <summary>One versioned cache write of a management change: a live state, or a revocation.</summary>
internal sealed record CacheWrite(string TokenHash, long Version, string Payload, TimeSpan Lifetime);
