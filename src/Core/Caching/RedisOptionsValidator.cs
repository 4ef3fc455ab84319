using System.Globalization;
using BlueTokens.Core.Configuration;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

internal sealed class RedisOptionsValidator : SettingsValidator<RedisOptions>
{
    protected override void Check(RedisOptions options, Action<string, string> fail)
    {
        bool hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        bool hasEntraSetting = options.UsesEntraId
            || !string.IsNullOrWhiteSpace(options.Credential)
            || !string.IsNullOrWhiteSpace(options.ClientId);

        if (hasConnectionString && hasEntraSetting)
        {
            fail("Redis__ConnectionString", "set either Redis__ConnectionString or the Entra ID form (Redis__Endpoint, Redis__Credential, Redis__ClientId), not both.");
            return;
        }

        if (hasEntraSetting)
        {
            CheckEntraId(options, fail);
            return;
        }

        if (!hasConnectionString)
        {
            fail("Redis__ConnectionString", "required, a StackExchange.Redis configuration string such as 127.0.0.1:6379 (or, for Azure Managed Redis, Redis__Endpoint with Redis__Credential=managedidentity).");
            return;
        }

        try
        {
            if (ConfigurationOptions.Parse(options.ConnectionString).EndPoints.Count == 0)
            {
                fail("Redis__ConnectionString", "names no endpoint.");
            }
        }
        catch (ArgumentException)
        {
            // The parser's message may echo a password, so it is not repeated here.
            fail("Redis__ConnectionString", "is not a valid StackExchange.Redis configuration string.");
        }
    }

    private static void CheckEntraId(RedisOptions options, Action<string, string> fail)
    {
        if (!options.UsesEntraId)
        {
            fail("Redis__Endpoint", "required with Redis__Credential and Redis__ClientId: the Azure Managed Redis endpoint as host:port, such as myredis.eastus.redis.azure.net:10000.");
        }
        else if (!IsHostAndPort(options.Endpoint!))
        {
            fail("Redis__Endpoint", "must be host:port, such as myredis.eastus.redis.azure.net:10000 (a host name or address and a port from 1 to 65535, nothing else).");
        }

        // Only the managed identity: it is what the app has in Azure, and a credential chain (DefaultAzureCredential)
        // would quietly try developer sign-ins there instead of failing here.
        if (!string.Equals(options.Credential, RedisOptions.ManagedIdentity, StringComparison.OrdinalIgnoreCase))
        {
            fail("Redis__Credential", string.IsNullOrWhiteSpace(options.Credential)
                ? "required with Redis__Endpoint: managedidentity."
                : "must be managedidentity, the only credential supported for Redis.");
        }

        if (!string.IsNullOrWhiteSpace(options.ClientId) && !Guid.TryParse(options.ClientId, out _))
        {
            fail("Redis__ClientId", "must be the client id (a GUID) of the user-assigned managed identity, or unset for the system-assigned one.");
        }
    }

    /// <summary><c>host:port</c> with an explicit port; IPv6 in brackets. No options, no list: one server.</summary>
    internal static bool IsHostAndPort(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        string host = endpoint[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return Uri.CheckHostName(host[1..^1]) == UriHostNameType.IPv6;
        }

        return Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4;
    }
}
