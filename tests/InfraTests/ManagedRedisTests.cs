using System.Text.Json;
using System.Text.RegularExpressions;

namespace BlueTokens.InfraTests;

/// <summary>
/// The cache is Azure Managed Redis: an OSS cluster reached over TLS with Entra ID only, configured so that
/// eviction and persistence cannot undo a revocation.
/// </summary>
[Collection(CompiledInfra.Name)]
public sealed partial class ManagedRedisTests(BicepBuild build)
{
    private const string ApiVersion = "2025-07-01";

    [Fact]
    public void Cache_IsAzureManagedRedis_AtTheStableApiVersion()
    {
        Assert.Equal(ApiVersion, Cluster().ApiVersion);
        Assert.Equal(ApiVersion, Database().ApiVersion);
        Assert.Equal(ApiVersion, Assignment().ApiVersion);
        // Azure Cache for Redis is retiring and refuses new subscriptions.
        Assert.Empty(build.OfType("Microsoft.Cache/redis"));
    }

    [Fact]
    public void Cluster_IsBalancedB0ByDefault_AParameter()
    {
        Assert.Equal("[parameters('skuName')]", Cluster().Element.GetProperty("sku").GetProperty("name").GetString());
        Assert.Equal("[parameters('redisSku')]", ModuleParameter("skuName"));
        Assert.Equal("Balanced_B0", build.Root.GetProperty("parameters").GetProperty("redisSku").GetProperty("defaultValue").GetString());
    }

    [Fact]
    public void Cluster_IsHighlyAvailable_AndRefusesTlsBelow12()
    {
        Assert.Equal("Enabled", Cluster().PropertyString("highAvailability"));
        Assert.Equal("1.2", Cluster().PropertyString("minimumTlsVersion"));
    }

    [Fact]
    public void Database_IsDefault_OnPort10000_OverTls()
    {
        ArmResource database = Database();

        Assert.EndsWith("'default')]", database.Name, StringComparison.Ordinal);
        Assert.Equal(10000, database.ResolvedProperty("port")?.GetInt32());
        Assert.Equal("Encrypted", database.PropertyString("clientProtocol"));
    }

    [Fact]
    public void Database_IsAnOssCluster()
    {
        // Clients follow the slots themselves; every call of the service touches one slot.
        Assert.Equal("OSSCluster", Database().PropertyString("clusteringPolicy"));
    }

    [Fact]
    public void Database_EvictsNearestTheirEndFirst_AndNeverAKeyWithoutALifetime()
    {
        // VolatileTTL: the per-bucket generations (blue:{xyz}:gen, no lifetime) are never evicted before the
        // entries they fence, and a fresh revocation marker, with the longest lifetime, goes last.
        Assert.Equal("VolatileTTL", Database().PropertyString("evictionPolicy"));
    }

    [Fact]
    public void Database_KeepsNoPersistence()
    {
        // A restored snapshot would bring back cache entries revoked since it was taken.
        Assert.Equal(JsonValueKind.False, Database().Property("persistence.aofEnabled")?.ValueKind);
        Assert.Equal(JsonValueKind.False, Database().Property("persistence.rdbEnabled")?.ValueKind);
    }

    [Fact]
    public void Database_RefusesAccessKeys()
    {
        Assert.Equal("Disabled", Database().PropertyString("accessKeysAuthentication"));
    }

    [Fact]
    public void AccessPolicy_GivesTheDefaultPolicy_ToTheAppIdentity()
    {
        ArmResource assignment = Assignment();

        Assert.Equal("default", assignment.PropertyString("accessPolicyName"));
        Assert.Equal("[parameters('principalId')]", assignment.PropertyString("user.objectId"));
        // The redis module gets that principal id from the identity module: the app's user-assigned identity.
        string principal = ModuleParameter("principalId");
        Assert.Contains("'identity'", principal, StringComparison.Ordinal);
        Assert.Contains("outputs.principalId", principal, StringComparison.Ordinal);
        // It is a child of the database, and its own name may hold letters and digits only.
        Assert.Matches(AssignmentName(), assignment.Name);
    }

    [Fact]
    public void Endpoint_IsTheHostName_OnTheDatabasePort()
    {
        JsonElement template = RedisDeployment().Property("template") ?? throw new InvalidOperationException("redis module has no template");
        string endpoint = template.GetProperty("outputs").GetProperty("endpoint").GetProperty("value").GetString() ?? "";

        Assert.Contains("Microsoft.Cache/redisEnterprise", endpoint, StringComparison.Ordinal);
        Assert.Contains(".hostName", endpoint, StringComparison.Ordinal);
        Assert.Contains("variables('port')", endpoint, StringComparison.Ordinal);
        Assert.Equal("[variables('port')]", Database().PropertyString("port"));
    }

    [Fact]
    public void NoRedisSecret_IsWrittenOrRead()
    {
        Assert.DoesNotContain(
            build.OfType("Microsoft.KeyVault/vaults/secrets"),
            secret => secret.Name.Contains("redis", StringComparison.OrdinalIgnoreCase));
        // No access key is ever read out of the cache, into a secret or anywhere else.
        Assert.DoesNotContain("listKeys", build.Root.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    private ArmResource Cluster() => build.Single("Microsoft.Cache/redisEnterprise");

    private ArmResource Database() => build.Single("Microsoft.Cache/redisEnterprise/databases");

    private ArmResource Assignment() => build.Single("Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments");

    private ArmResource RedisDeployment() =>
        Assert.Single(build.OfType("Microsoft.Resources/deployments"), deployment => deployment.Name == "redis");

    private string ModuleParameter(string name) =>
        RedisDeployment().Properties.GetProperty("parameters").GetProperty(name).GetProperty("value").GetString() ?? "";

    // format('{0}/{1}/{2}', parameters('name'), 'default', '<letters and digits>')
    [GeneratedRegex(@"'default', '[A-Za-z0-9]{1,60}'\)\]$")]
    private static partial Regex AssignmentName();
}
