namespace BlueTokens.Core.Caching;

/// <summary>Every Redis key the service uses, in one place.</summary>
internal static class CacheKeys
{
    private const string Prefix = "blue:";

    /// <summary>The cached state of one token, by the hex SHA-256 of the token.</summary>
    public static string Token(string tokenHash) => $"{Prefix}tok:{tokenHash}";

    /// <summary>The failure budget of one validate source (a client address).</summary>
    public static string Failures(string source) => $"{Prefix}fail:{source}";
}
