namespace BlueTokens.Core.Caching;

/// <summary>
/// Settings under <c>Redis__</c>, in one of two forms: <see cref="ConnectionString"/> (locally, or any Redis that
/// takes a password), or, for Azure Managed Redis, <see cref="Endpoint"/> with <see cref="Credential"/> and
/// <see cref="ClientId"/>: Microsoft Entra ID sign-in, no access key anywhere (see <see cref="RedisSignIn"/>).
/// </summary>
internal sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>The one credential type the Entra ID form takes.</summary>
    public const string ManagedIdentity = "managedidentity";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary><c>host:port</c> of Azure Managed Redis, e.g. <c>myredis.eastus.redis.azure.net:10000</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>managedidentity</c>: sign in with the app's managed identity.</summary>
    public string? Credential { get; set; }

    /// <summary>The client id of the user-assigned identity; unset means the system-assigned one (as for <c>TokenStorage</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// TLS in the Entra ID form; always on in Azure. Internal, so configuration cannot bind it: only tests against
    /// a plain local redis-server turn it off.
    /// </summary>
    internal bool UseTls { get; set; } = true;

    /// <summary>Whether the Entra ID form is configured (the validator makes sure it is the only one).</summary>
    internal bool UsesEntraId => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>What StackExchange.Redis parses: the connection string, or the endpoint alone in the Entra ID form (<see cref="RedisSignIn.Configure"/> adds the rest).</summary>
    internal string ConfigurationString => UsesEntraId ? Endpoint! : ConnectionString;
}
