using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>
/// privateNetworking: off for the quick start (public endpoints, no network), on for production (storage, Key
/// Vault and Redis reachable only through private endpoints in the network the app joins).
/// </summary>
[Collection(EvaluatedInfra.Name)]
public sealed class PrivateNetworkingTests(DeploymentSnapshots snapshots)
{
    private const string EndpointSubnet = "private-endpoints";
    private const string AppSubnet = "app";

    public static TheoryData<string> PrivateServices =>
    [
        "Microsoft.Storage/storageAccounts",
        "Microsoft.KeyVault/vaults",
        "Microsoft.Cache/redisEnterprise",
    ];

    [Theory]
    [MemberData(nameof(PrivateServices))]
    public void QuickStart_LeavesPublicNetworkAccessEnabled(string type)
    {
        Assert.Equal("Enabled", snapshots.QuickStart.Single(type).PropertyString("publicNetworkAccess"));
    }

    [Fact]
    public void QuickStart_HasNoNetwork_AndTheAppJoinsNone()
    {
        Assert.DoesNotContain(snapshots.QuickStart.Resources, resource => resource.Type.StartsWith("Microsoft.Network/", StringComparison.OrdinalIgnoreCase));
        // Absent or null: ARM leaves a null property unset.
        JsonElement? subnet = snapshots.QuickStart.Single("Microsoft.Web/sites").Property("virtualNetworkSubnetId");
        Assert.True(subnet is null or { ValueKind: JsonValueKind.Null }, $"The quick start's app joins a subnet: {subnet}");
    }

    [Theory]
    [MemberData(nameof(PrivateServices))]
    public void PrivateNetworking_DisablesPublicNetworkAccess(string type)
    {
        Assert.Equal("Disabled", snapshots.PrivateNetworking.Single(type).PropertyString("publicNetworkAccess"));
    }

    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts")]
    [InlineData("Microsoft.KeyVault/vaults")]
    public void PrivateNetworking_AlsoDeniesByDefault_InTheFirewall(string type)
    {
        Assert.Equal("Deny", snapshots.PrivateNetworking.Single(type).PropertyString("networkAcls.defaultAction"));
        Assert.Equal("Allow", snapshots.QuickStart.Single(type).PropertyString("networkAcls.defaultAction"));
    }

    [Theory]
    [InlineData("Microsoft.Storage/storageAccounts", "blob", "privatelink.blob.core.windows.net")]
    [InlineData("Microsoft.Storage/storageAccounts", "queue", "privatelink.queue.core.windows.net")]
    [InlineData("Microsoft.Storage/storageAccounts", "table", "privatelink.table.core.windows.net")]
    [InlineData("Microsoft.KeyVault/vaults", "vault", "privatelink.vaultcore.azure.net")]
    [InlineData("Microsoft.Cache/redisEnterprise", "redisEnterprise", "privatelink.redis.azure.net")]
    public void PrivateNetworking_GivesTheService_APrivateEndpoint_ThatItsHostNameResolvesTo(string type, string groupId, string zoneName)
    {
        BicepSnapshot snapshot = snapshots.PrivateNetworking;
        string target = BicepSnapshot.Id(snapshot.Single(type));

        ArmResource endpoint = Assert.Single(
            snapshot.OfType("Microsoft.Network/privateEndpoints"),
            candidate => Connection(candidate).GetProperty("privateLinkServiceId").GetString() == target
                && Connection(candidate).GetProperty("groupIds").EnumerateArray().Select(id => id.GetString()).SequenceEqual([groupId]));
        Assert.Equal(Subnet(EndpointSubnet), endpoint.PropertyString("subnet.id"));

        // The zone Azure names for that sub-resource, linked to the network, holding the endpoint's record.
        ArmResource zone = Assert.Single(snapshot.OfType("Microsoft.Network/privateDnsZones"), candidate => candidate.Name == zoneName);
        ArmResource link = Assert.Single(
            snapshot.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks"),
            candidate => candidate.Name.StartsWith(zoneName + "/", StringComparison.Ordinal));
        Assert.Equal(BicepSnapshot.Id(Network()), link.PropertyString("virtualNetwork.id"));
        Assert.Equal(JsonValueKind.False, link.Property("registrationEnabled")?.ValueKind);

        ArmResource zoneGroup = Assert.Single(
            snapshot.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups"),
            candidate => candidate.Name.StartsWith(endpoint.Name + "/", StringComparison.Ordinal));
        JsonElement config = Assert.Single(zoneGroup.Property("privateDnsZoneConfigs")!.Value.EnumerateArray());
        Assert.Equal(BicepSnapshot.Id(zone), config.GetProperty("properties").GetProperty("privateDnsZoneId").GetString());
    }

    [Fact]
    public void PrivateNetworking_HasOneEndpointAndZonePerService_AndNothingElse()
    {
        // Storage's blob, queue and table, Key Vault, Redis.
        Assert.Equal(5, snapshots.PrivateNetworking.OfType("Microsoft.Network/privateEndpoints").Count);
        Assert.Equal(5, snapshots.PrivateNetworking.OfType("Microsoft.Network/privateDnsZones").Count);
        Assert.Single(snapshots.PrivateNetworking.OfType("Microsoft.Network/virtualNetworks"));
    }

    [Fact]
    public void PrivateNetworking_PutsTheAppInASubnetDelegatedToFlexConsumption()
    {
        Assert.Equal(Subnet(AppSubnet), snapshots.PrivateNetworking.Single("Microsoft.Web/sites").PropertyString("virtualNetworkSubnetId"));

        JsonElement subnet = NetworkSubnet(AppSubnet);
        JsonElement delegation = Assert.Single(subnet.GetProperty("properties").GetProperty("delegations").EnumerateArray());
        Assert.Equal("Microsoft.App/environments", delegation.GetProperty("properties").GetProperty("serviceName").GetString());

        // The endpoints sit in a subnet of their own: a delegated subnet holds nothing but the app.
        Assert.False(NetworkSubnet(EndpointSubnet).GetProperty("properties").TryGetProperty("delegations", out _));
    }

    [Fact]
    public void PrivateNetworking_KeepsTheAppSettings()
    {
        // The private DNS zones make the usual host names resolve privately: nothing in the settings changes.
        Assert.Equal(
            snapshots.QuickStart.Single("Microsoft.Web/sites/config").Properties.GetRawText(),
            snapshots.PrivateNetworking.Single("Microsoft.Web/sites/config").Properties.GetRawText());
    }

    private ArmResource Network() => snapshots.PrivateNetworking.Single("Microsoft.Network/virtualNetworks");

    private string Subnet(string name) => $"{BicepSnapshot.Id(Network())}/subnets/{name}";

    private JsonElement NetworkSubnet(string name) =>
        Assert.Single(
            Network().Property("subnets")!.Value.EnumerateArray(),
            subnet => subnet.GetProperty("name").GetString() == name);

    private static JsonElement Connection(ArmResource endpoint) =>
        Assert.Single(endpoint.Property("privateLinkServiceConnections")!.Value.EnumerateArray()).GetProperty("properties");
}
