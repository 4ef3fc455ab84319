using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>The compiled template declares the resources the service runs on, configured without keys.</summary>
[Collection(CompiledInfra.Name)]
public sealed class ResourceTests(BicepBuild build)
{
    [Fact]
    public void FunctionApp_IsLinuxFunctionApp_WithFlexConsumptionConfig()
    {
        ArmResource site = build.Single("Microsoft.Web/sites");

        Assert.Contains("functionapp", site.Element.GetProperty("kind").GetString(), StringComparison.Ordinal);
        Assert.Contains("linux", site.Element.GetProperty("kind").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, site.Property("functionAppConfig")?.ValueKind);
        Assert.Equal("dotnet-isolated", site.PropertyString("functionAppConfig.runtime.name"));
        Assert.Equal("blobContainer", site.PropertyString("functionAppConfig.deployment.storage.type"));
        Assert.Equal("UserAssignedIdentity", site.PropertyString("functionAppConfig.deployment.storage.authentication.type"));
        Assert.Contains("alwaysReadyInstances", site.PropertyString("functionAppConfig.scaleAndConcurrency.alwaysReady"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.True, site.Property("httpsOnly")?.ValueKind);
        Assert.NotNull(site.PropertyString("keyVaultReferenceIdentity"));
        Assert.Equal("UserAssigned", site.Element.GetProperty("identity").GetProperty("type").GetString());
    }

    [Fact]
    public void Plan_IsFlexConsumption()
    {
        JsonElement sku = build.Single("Microsoft.Web/serverfarms").Element.GetProperty("sku");

        Assert.Equal("FC1", sku.GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", sku.GetProperty("tier").GetString());
    }

    [Fact]
    public void Storage_RefusesSharedKeyAccess_AndOldTls()
    {
        ArmResource storage = build.Single("Microsoft.Storage/storageAccounts");

        Assert.Equal(JsonValueKind.False, storage.Property("allowSharedKeyAccess")?.ValueKind);
        Assert.Equal(JsonValueKind.False, storage.Property("allowBlobPublicAccess")?.ValueKind);
        Assert.Equal("TLS1_2", storage.PropertyString("minimumTlsVersion"));
        Assert.Single(build.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"));
        Assert.Single(build.OfType("Microsoft.Storage/storageAccounts/queueServices"));
        Assert.Single(build.OfType("Microsoft.Storage/storageAccounts/tableServices"));
    }

    [Fact]
    public void KeyVault_UsesRbac_AndHoldsOnlyTheEncryptionKeys()
    {
        ArmResource vault = build.Single("Microsoft.KeyVault/vaults");
        IReadOnlyList<ArmResource> secrets = build.OfType("Microsoft.KeyVault/vaults/secrets");

        Assert.Equal(JsonValueKind.True, vault.Property("enableRbacAuthorization")?.ValueKind);
        Assert.Contains(secrets, secret => secret.Name.Contains("'tokens-encryption-key'", StringComparison.Ordinal));
        // Tokens__EncryptionKey and, during a rotation, the earlier keys; Redis is reached with the identity.
        Assert.All(secrets, secret => Assert.Matches(@"'tokens-(previous-)?encryption-keys?'", secret.Name));
    }

    [Fact]
    public void KeyVault_IsPurgeProtected_AndKeepsDeletedSecretsRecoverableFor90Days()
    {
        ArmResource vault = build.Single("Microsoft.KeyVault/vaults");

        // Literals, not expressions: no parameter can turn either down. 90 days is the most Key Vault allows.
        Assert.Equal(JsonValueKind.True, vault.Property("enablePurgeProtection")?.ValueKind);
        Assert.Equal(JsonValueKind.True, vault.Property("enableSoftDelete")?.ValueKind);
        Assert.Equal(90, vault.Property("softDeleteRetentionInDays")?.GetInt32());
    }

    [Fact]
    public void BlobDataOwner_IsScopedToContainers_InTheCompiledTemplate()
    {
        ArmResource assignment = Assert.Single(
            build.OfType("Microsoft.Authorization/roleAssignments"),
            candidate => candidate.ResolveVariables(candidate.PropertyString("roleDefinitionId") ?? "")
                .Contains("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", StringComparison.OrdinalIgnoreCase));

        Assert.StartsWith(
            "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', ",
            assignment.Element.GetProperty("scope").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void Monitoring_IsApplicationInsights_OnLogAnalytics_WithoutLocalAuth()
    {
        ArmResource insights = build.Single("Microsoft.Insights/components");

        Assert.Single(build.OfType("Microsoft.OperationalInsights/workspaces"));
        Assert.Contains("Microsoft.OperationalInsights/workspaces", insights.PropertyString("WorkspaceResourceId"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.True, insights.Property("DisableLocalAuth")?.ValueKind);
    }

    [Fact]
    public void Identity_IsUserAssigned()
    {
        Assert.Single(build.OfType("Microsoft.ManagedIdentity/userAssignedIdentities"));
    }

    [Theory]
    [InlineData("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts")] // Storage Table Data Contributor
    [InlineData("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts")] // Storage Queue Data Contributor
    [InlineData("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts")] // Storage Blob Data Owner
    [InlineData("4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults")] // Key Vault Secrets User
    [InlineData("3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components")] // Monitoring Metrics Publisher
    public void RoleAssignment_GrantsTheIdentity_OnTheResourceThatNeedsIt(string roleDefinitionGuid, string scopeType)
    {
        ArmResource assignment = Assert.Single(
            build.OfType("Microsoft.Authorization/roleAssignments"),
            candidate => candidate.ResolveVariables(candidate.PropertyString("roleDefinitionId") ?? "")
                .Contains(roleDefinitionGuid, StringComparison.OrdinalIgnoreCase));

        Assert.Equal("ServicePrincipal", assignment.PropertyString("principalType"));
        Assert.Contains(scopeType, assignment.Element.GetProperty("scope").GetString(), StringComparison.Ordinal);
    }
}
