namespace BlueTokens.Core.Caching;

/// <summary>Settings under <c>Redis__</c>.</summary>
internal sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string ConnectionString { get; set; } = "";
}
