namespace BlueTokens.Core.Caching;

/// <summary>Every Redis key the service uses, in one place.</summary>
internal static class CacheKeys
{
    private const string Prefix = "blue:";

    /// <summary>The cached state of one token, by the hex SHA-256 of the token.</summary>
    public static string Token(string tokenHash) => $"{Prefix}tok:{tokenHash}";

    /// <summary>
    /// The cache's generation: a random id that exists from the first write after Redis was emptied (a flush, a
    /// restart) until the next emptying. A fill presents the generation its lookup saw and is refused under any
    /// other, so a fill whose table read began before a flush cannot land after it and revive a revoked token.
    /// </summary>
    public const string Generation = Prefix + "gen";

    /// <summary>The failure budget of one validate source (a client address).</summary>
    public static string Failures(string source) => $"{Prefix}fail:{source}";
}
