using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>The app settings are the ones the service reads, in the identity form, with secrets in Key Vault.</summary>
[Collection(CompiledInfra.Name)]
public sealed class AppSettingsTests(BicepBuild build)
{
    private const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=";

    [Theory]
    [InlineData("AzureWebJobsStorage__accountName")]
    [InlineData("AzureWebJobsStorage__clientId")]
    [InlineData("TokenStorage__tableServiceUri")]
    [InlineData("TokenStorage__queueServiceUri")]
    [InlineData("TokenStorage__clientId")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING")]
    [InlineData("Auth__Authority")]
    [InlineData("Auth__Issuer")]
    [InlineData("Auth__Audience")]
    [InlineData("Auth__UiClientId")]
    [InlineData("Auth__UiScope")]
    [InlineData("Expiry__Schedule")]
    [InlineData("Events__QueueName")]
    public void Setting_IsPresent(string name)
    {
        Assert.False(string.IsNullOrEmpty(Setting(name)), $"{name} is missing from the app settings");
    }

    [Theory]
    [InlineData("AzureWebJobsStorage__credential", "managedidentity")]
    [InlineData("TokenStorage__credential", "managedidentity")]
    [InlineData("Redis__Credential", "managedidentity")]
    [InlineData("AZURE_FUNCTIONS_ENVIRONMENT", "Production")]
    public void Setting_HasValue(string name, string expected)
    {
        Assert.Equal(expected, Setting(name));
    }

    [Fact]
    public void ApplicationInsights_AuthenticatesWithTheIdentity()
    {
        string value = Setting("APPLICATIONINSIGHTS_AUTHENTICATION_STRING") ?? "";

        Assert.Contains("ClientId=", value, StringComparison.Ordinal);
        Assert.Contains("Authorization=AAD", value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tokens__EncryptionKey", "encryptionKeySecretUri", "keyvault", "encryptionKeyUri")]
    public void Secret_IsKeyVaultReference_ToTheSecretTheTemplateWrites(string name, string parameter, string module, string output)
    {
        Assert.Contains(KeyVaultReference, Setting(name), StringComparison.Ordinal);
        Assert.Contains($"parameters('{parameter}')", Setting(name), StringComparison.Ordinal);

        // The api module receives that URI from the output of the module that wrote the secret.
        string passed = ApiParameter(parameter);
        Assert.Contains($"'{module}'", passed, StringComparison.Ordinal);
        Assert.Contains($"outputs.{output}", passed, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_IsReachedWithTheIdentity_AtTheManagedRedisEndpoint()
    {
        // host:10000 from the redis module's output, and the same identity as storage: Entra ID, no key.
        Assert.Equal("[parameters('redisEndpoint')]", Setting("Redis__Endpoint"));
        string passed = ApiParameter("redisEndpoint");
        Assert.Contains("'redis'", passed, StringComparison.Ordinal);
        Assert.Contains("outputs.endpoint", passed, StringComparison.Ordinal);

        Assert.Equal("[parameters('identityClientId')]", Setting("Redis__ClientId"));
        Assert.Equal(Setting("TokenStorage__clientId"), Setting("Redis__ClientId"));
        string identity = ApiParameter("identityClientId");
        Assert.Contains("'identity'", identity, StringComparison.Ordinal);
        Assert.Contains("outputs.clientId", identity, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_HasNoConnectionString_OnlyTheIdentityForm()
    {
        string[] redis = Settings().EnumerateObject()
            .Select(setting => setting.Name)
            .Where(name => name.StartsWith("Redis__", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(["Redis__ClientId", "Redis__Credential", "Redis__Endpoint"], redis);
        Assert.False(ApiDeployment().GetProperty("properties").GetProperty("parameters").TryGetProperty("redisConnectionSecretUri", out _));
    }

    [Fact]
    public void KeyVaultReferences_ResolveWithTheUserAssignedIdentity()
    {
        ArmResource site = build.Single("Microsoft.Web/sites");

        Assert.Equal("[parameters('identityId')]", site.PropertyString("keyVaultReferenceIdentity"));
        Assert.True(site.Element.GetProperty("identity").GetProperty("userAssignedIdentities").TryGetProperty("[format('{0}', parameters('identityId'))]", out _));
    }

    [Fact]
    public void NoSetting_CarriesAKeyOrConnectionString()
    {
        foreach (JsonProperty setting in Settings().EnumerateObject())
        {
            string value = setting.Value.GetString() ?? "";
            Assert.DoesNotContain("AccountKey=", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("password=", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", value, StringComparison.OrdinalIgnoreCase);
        }
    }

    private string? Setting(string name) =>
        Settings().TryGetProperty(name, out JsonElement value) ? value.GetString() : null;

    private JsonElement Settings()
    {
        ArmResource config = Assert.Single(
            build.OfType("Microsoft.Web/sites/config"),
            resource => resource.Name.Contains("'appsettings'", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Object, config.Properties.ValueKind);
        return config.Properties;
    }

    private string ApiParameter(string name) =>
        ApiDeployment().GetProperty("properties").GetProperty("parameters").GetProperty(name).GetProperty("value").GetString() ?? "";

    private JsonElement ApiDeployment() =>
        Assert.Single(build.OfType("Microsoft.Resources/deployments"), deployment => deployment.Name == "api").Element;
}
