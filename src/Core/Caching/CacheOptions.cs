using BlueTokens.Core.Configuration;

namespace BlueTokens.Core.Caching;

/// <summary>Settings under <c>Cache__</c>.</summary>
internal sealed class CacheOptions
{
    public const string Section = "Cache";

    /// <summary>The longest any cache entry lives (and never past its token's end).</summary>
    public TimeSpan MaxEntryLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a well-formed but unknown token is remembered as unknown.</summary>
    public TimeSpan UnknownTokenLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A validate miss fills the cache only if its table read is younger than this (see TokenCache).</summary>
    public TimeSpan FillDeadline { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest any value in the cache lives after the Redis time it was sealed at: an entry's lifetime plus the
    /// fill deadline by which a fill may land after its read. A revocation lives this long (it must outvote any
    /// entry), and a value older than this (and the clock allowance) is not believed (see CacheEntrySeal).
    /// </summary>
    public TimeSpan LongestLifetime => MaxEntryLifetime + FillDeadline;

    /// <summary>
    /// How long a management write waits for Redis's replicas to hold it (WAIT) before it is left pending for
    /// replay; bounds what a lagging or lost replica adds to an admin's call.
    /// </summary>
    public TimeSpan ReplicaAckTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long an instance may answer a token from its own memory; every revocation waits it out (plus a margin)
    /// before it returns. Zero turns the local answers off. Half a second: hits of a busy connector are nearly all
    /// answered in memory, and an administrator's disable returns half a second later.
    /// </summary>
    public TimeSpan LocalLease { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The most tokens an instance holds answers for at once (about 150 bytes each).</summary>
    public int LocalCapacity { get; set; } = 100_000;
}

internal sealed class CacheOptionsValidator : SettingsValidator<CacheOptions>
{
    protected override void Check(CacheOptions options, Action<string, string> fail)
    {
        if (options.MaxEntryLifetime < TimeSpan.FromSeconds(1) || options.MaxEntryLifetime > TimeSpan.FromDays(1))
        {
            fail("Cache__MaxEntryLifetime", "must be between 00:00:01 and 1.00:00:00.");
        }

        if (options.UnknownTokenLifetime < TimeSpan.Zero || options.UnknownTokenLifetime > options.MaxEntryLifetime)
        {
            fail("Cache__UnknownTokenLifetime", "must be between 0 and Cache__MaxEntryLifetime.");
        }

        if (options.FillDeadline < TimeSpan.FromMilliseconds(100) || options.FillDeadline >= options.MaxEntryLifetime)
        {
            fail("Cache__FillDeadline", "must be at least 00:00:00.1 and shorter than Cache__MaxEntryLifetime.");
        }

        if (options.ReplicaAckTimeout < TimeSpan.FromMilliseconds(10) || options.ReplicaAckTimeout > TimeSpan.FromSeconds(2))
        {
            fail("Cache__ReplicaAckTimeout", "must be between 00:00:00.01 and 00:00:02.");
        }

        if (options.LocalLease < TimeSpan.Zero || options.LocalLease > TimeSpan.FromSeconds(1))
        {
            fail("Cache__LocalLease", "must be between 00:00:00 (off) and 00:00:01: every revocation waits it out.");
        }

        if (options.LocalCapacity is < 1_000 or > 10_000_000)
        {
            fail("Cache__LocalCapacity", "must be 1000 to 10000000.");
        }
    }
}
