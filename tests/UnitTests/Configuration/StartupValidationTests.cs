using BlueTokens.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Configuration;

public sealed class StartupValidationTests
{
    internal static readonly Dictionary<string, string?> ValidSettings = new()
    {
        ["TokenStorage"] = "UseDevelopmentStorage=true",
        ["Redis:ConnectionString"] = "127.0.0.1:6379",
        ["Auth:Issuer"] = "https://issuer.test",
        ["Auth:Audience"] = "blue-token-api",
        ["Auth:SigningKey"] = "a-development-signing-key-of-at-least-32-bytes",
        ["Tokens:EncryptionKey"] = Convert.ToBase64String(new byte[32]),
    };

    [Fact]
    public async Task Start_SucceedsWithValidSettings()
    {
        using IHost host = Build(ValidSettings);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Theory]
    [InlineData("Tokens:EncryptionKey", null, "Tokens__EncryptionKey")]
    [InlineData("Tokens:EncryptionKey", "c2hvcnQ=", "Tokens__EncryptionKey")]
    [InlineData("Tokens:EncryptionKey", "not base64!", "Tokens__EncryptionKey")]
    [InlineData("Tokens:DefaultLifetimeDays", "400", "Tokens__DefaultLifetimeDays")]
    [InlineData("Tokens:MinLifetime", "-1.00:00:00", "Tokens__MinLifetime")]
    [InlineData("Auth:Issuer", null, "Auth__Issuer")]
    [InlineData("Auth:Audience", "", "Auth__Audience")]
    [InlineData("Auth:SigningKey", "too-short", "Auth__SigningKey")]
    [InlineData("Auth:SigningKey", null, "Auth__Authority")]
    [InlineData("Redis:ConnectionString", null, "Redis__ConnectionString")]
    [InlineData("Redis:ConnectionString", ",,,", "Redis__ConnectionString")]
    [InlineData("Redis:Endpoint", "myredis.eastus.redis.azure.net:10000", "Redis__ConnectionString")] // both forms
    [InlineData("Redis:Credential", "managedidentity", "Redis__ConnectionString")]
    [InlineData("TokenStorage", null, "TokenStorage")]
    [InlineData("TokenStorage", "AccountName=x;Nonsense", "TokenStorage")]
    public async Task Start_StopsWithAMessageNamingTheBadSetting(string key, string? value, string named)
    {
        var settings = new Dictionary<string, string?>(ValidSettings) { [key] = value };
        using IHost host = Build(settings);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"Setting {named}:", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "openid api://blue/admin", "", "Auth__Authority")] // the page must have a provider to sign in at
    [InlineData("https://login.example.com", "api://blue/admin", "", "Auth__UiScope")] // not OpenID Connect
    [InlineData("https://login.example.com", "openid profile", "", "Auth__UiScope")] // no access to the API
    [InlineData("https://login.example.com", "", "", "Auth__UiScope")]
    [InlineData("https://login.example.com", "openid api://blue/admin", "https://oauth2.example.net/token", "Auth__UiConnectOrigins")]
    [InlineData("https://login.example.com", "openid api://blue/admin", "oauth2.example.net", "Auth__UiConnectOrigins")]
    public async Task Start_StopsOnAPageSignInThatCannotWork(string? authority, string scope, string origins, string named)
    {
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["Auth:Authority"] = authority,
            ["Auth:UiClientId"] = "page-client",
            ["Auth:UiScope"] = scope,
            ["Auth:UiConnectOrigins"] = origins,
        };
        using IHost host = Build(settings);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"Setting {named}:", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsAPageSignInThatCanWork()
    {
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["Auth:Authority"] = "https://login.example.com/tenant/v2.0",
            ["Auth:UiClientId"] = "page-client",
            ["Auth:UiScope"] = "openid profile api://blue/admin",
            ["Auth:UiConnectOrigins"] = "https://oauth2.example.net",
        };
        using IHost host = Build(settings);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_RefusesASigningKeyInProduction()
    {
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
            ["Auth:Authority"] = "https://login.example.test/tenant/v2.0",
        };
        using IHost host = Build(settings);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Setting Auth__SigningKey:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Production", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsAnAuthorityWithoutSigningKeyInProduction()
    {
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
            ["Auth:SigningKey"] = null,
            ["Auth:Authority"] = "https://login.example.test/tenant/v2.0",
        };
        using IHost host = Build(settings);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Fact]
    public async Task Validation_NeverEchoesASecretValue()
    {
        const string secretish = "AccountName=x;AccountKey=c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==;Bogus";
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["TokenStorage"] = secretish,
            ["Tokens:EncryptionKey"] = "c2VjcmV0LWJ1dC10b28tc2hvcnQ=",
        };
        using IHost host = Build(settings);

        // Two bad settings: start-up reports both at once (an AggregateException of the two validations).
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        string report = failure.ToString();
        Assert.Contains("Setting TokenStorage:", report, StringComparison.Ordinal);
        Assert.Contains("Setting Tokens__EncryptionKey:", report, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsTheIdentityFormOfTokenStorage_AndBuildsKeylessClientsForItsEndpoints()
    {
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["TokenStorage"] = null,
            ["TokenStorage:tableServiceUri"] = "https://bluetokens.table.core.windows.net",
            ["TokenStorage:credential"] = "managedidentity",
            ["TokenStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
        };
        using IHost host = Build(settings);
        await host.StartAsync();

        var tables = host.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>();
        var queues = host.Services.GetRequiredService<Azure.Storage.Queues.QueueServiceClient>();
        Assert.Equal(new Uri("https://bluetokens.table.core.windows.net"), tables.Uri);
        Assert.Equal("bluetokens.queue.core.windows.net", queues.Uri.Host);
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_RefusesAPlainHttpTableServiceUri()
    {
        var settings = new Dictionary<string, string?>(ValidSettings)
        {
            ["TokenStorage"] = null,
            ["TokenStorage:tableServiceUri"] = "http://bluetokens.table.core.windows.net",
        };
        using IHost host = Build(settings);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Setting TokenStorage:", failure.Message, StringComparison.Ordinal);
    }

    internal static IHost Build(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddBlueTokenCore(builder.Configuration);
        return builder.Build();
    }
}
