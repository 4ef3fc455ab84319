using BlueTokens.Core.Caching;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Caching;

public sealed class RedisOptionsValidatorTests
{
    private const string ClientId = "00000000-0000-0000-0000-000000000001";

    private static RedisOptions EntraId(string? endpoint = "myredis.eastus.redis.azure.net:10000", string? credential = "managedidentity", string? clientId = ClientId) =>
        new() { Endpoint = endpoint, Credential = credential, ClientId = clientId };

    [Theory]
    [InlineData("myredis.eastus.redis.azure.net:10000", "managedidentity", ClientId)]
    [InlineData("myredis.eastus.redis.azure.net:10000", "ManagedIdentity", ClientId)]
    [InlineData("myredis.eastus.redis.azure.net:10000", "managedidentity", null)] // the system-assigned identity
    [InlineData("10.0.0.4:10000", "managedidentity", ClientId)]
    [InlineData("[fd00::4]:10000", "managedidentity", ClientId)]
    public void Validate_AcceptsTheEntraIdForm(string endpoint, string credential, string? clientId)
    {
        Assert.True(Validate(EntraId(endpoint, credential, clientId)).Succeeded);
    }

    [Fact]
    public void Validate_AcceptsTheConnectionStringForm_AsBefore()
    {
        Assert.True(Validate(new RedisOptions { ConnectionString = "127.0.0.1:6379" }).Succeeded);
        Assert.True(Validate(new RedisOptions { ConnectionString = "a:7000,b:7001,password=x,ssl=true" }).Succeeded);
    }

    [Theory]
    [InlineData("myredis.eastus.redis.azure.net")] // no port
    [InlineData(":10000")]
    [InlineData("myredis.eastus.redis.azure.net:0")]
    [InlineData("myredis.eastus.redis.azure.net:65536")]
    [InlineData("myredis.eastus.redis.azure.net:port")]
    [InlineData("myredis.eastus.redis.azure.net:+10000")]
    [InlineData("myredis.eastus.redis.azure.net:10000,ssl=false")] // options smuggled into the endpoint
    [InlineData("a:10000,b:10000")] // a list
    [InlineData("my redis:10000")]
    [InlineData("fd00::4:10000")] // IPv6 without brackets
    [InlineData("rediss://myredis.eastus.redis.azure.net:10000")]
    public void Validate_RefusesAnEndpointThatIsNotHostAndPort(string endpoint)
    {
        AssertFails(EntraId(endpoint: endpoint), "Redis__Endpoint");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("workloadidentity")]
    [InlineData("default")]
    public void Validate_RefusesACredentialOtherThanManagedIdentity(string? credential)
    {
        AssertFails(EntraId(credential: credential), "Redis__Credential");
    }

    [Fact]
    public void Validate_RefusesAClientIdThatIsNotAGuid()
    {
        AssertFails(EntraId(clientId: "my-identity"), "Redis__ClientId");
    }

    [Fact]
    public void Validate_RefusesTheEntraIdSettingsWithoutAnEndpoint()
    {
        AssertFails(EntraId(endpoint: null), "Redis__Endpoint");
    }

    [Theory]
    [InlineData("myredis.eastus.redis.azure.net:10000", null, null)]
    [InlineData(null, "managedidentity", null)]
    [InlineData(null, null, ClientId)]
    public void Validate_RefusesBothForms(string? endpoint, string? credential, string? clientId)
    {
        const string Secret = "hunter2-the-access-key";
        var options = new RedisOptions { ConnectionString = $"127.0.0.1:6379,password={Secret}", Endpoint = endpoint, Credential = credential, ClientId = clientId };

        string message = AssertFails(options, "Redis__ConnectionString");

        Assert.Contains("not both", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RefusesNeitherForm_NamingBoth()
    {
        string message = AssertFails(new RedisOptions(), "Redis__ConnectionString");

        Assert.Contains("Redis__Endpoint", message, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(RedisOptions options) => new RedisOptionsValidator().Validate(null, options);

    private static string AssertFails(RedisOptions options, string setting)
    {
        ValidateOptionsResult result = Validate(options);
        Assert.True(result.Failed);
        Assert.Contains($"Setting {setting}:", result.FailureMessage, StringComparison.Ordinal);
        return result.FailureMessage;
    }
}
