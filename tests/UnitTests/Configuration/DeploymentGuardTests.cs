using System.Text.Json;
using BlueTokens.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Configuration;

/// <summary>
/// Start-up refuses what would make a deployed app trust anyone: a development signing key in Azure whatever the
/// environment setting says, the sample file's public keys outside a local run, keys fetched (or the page's sign-in
/// sent) over plain http, and an audience that the page's own ID tokens carry.
/// </summary>
public sealed class DeploymentGuardTests
{
    private const string LocalAuthority = "http://127.0.0.1:5099/";

    public static TheoryData<string, string?> AzureWithAnyEnvironment => new()
    {
        { "WEBSITE_INSTANCE_ID", null },
        { "WEBSITE_INSTANCE_ID", "Development" },
        { "WEBSITE_SITE_NAME", "Staging" },
        { "WEBSITE_SITE_NAME", "Prodcution" },
    };

    [Theory]
    [MemberData(nameof(AzureWithAnyEnvironment))]
    public async Task Start_RefusesASigningKeyInAzure_WhateverTheEnvironmentSays(string platformVariable, string? environment)
    {
        OptionsValidationException failure = await StartFailsAsync(new()
        {
            [platformVariable] = "blue-tokens-app",
            [RunSite.EnvironmentSetting] = environment,
        });

        Assert.Contains("Setting Auth__SigningKey:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Azure", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Staging")]
    [InlineData("Developmnet")]
    public async Task Start_RefusesTheSampleSigningKey_OutsideALocalRun(string? environment)
    {
        OptionsValidationException failure = await StartFailsAsync(new()
        {
            ["Auth:SigningKey"] = SampleSecrets.SigningKey,
            [RunSite.EnvironmentSetting] = environment,
        });

        Assert.Contains("Setting Auth__SigningKey:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("local.settings.sample.json", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RefusesTheSampleEncryptionKey_OutsideALocalRun()
    {
        OptionsValidationException failure = await StartFailsAsync(new()
        {
            ["Tokens:EncryptionKey"] = SampleSecrets.EncryptionKey,
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
            ["Auth:SigningKey"] = null,
            ["Auth:Authority"] = "https://login.example.test/tenant/v2.0",
        });

        Assert.Contains("Setting Tokens__EncryptionKey:", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsTheSampleKeys_InALocalRun()
    {
        await StartsAsync(new()
        {
            ["Auth:SigningKey"] = SampleSecrets.SigningKey,
            ["Tokens:EncryptionKey"] = SampleSecrets.EncryptionKey,
            [RunSite.EnvironmentSetting] = "Development",
        });
    }

    [Fact]
    public async Task Start_KeepsTheSampleEncryptionKeyAsAPreviousKey_SoThatItsCiphertextsCanBeRewrapped()
    {
        await StartsAsync(new()
        {
            ["Tokens:PreviousEncryptionKeys"] = SampleSecrets.EncryptionKey,
            [RunSite.EnvironmentSetting] = "Production",
            ["Auth:SigningKey"] = null,
            ["Auth:Authority"] = "https://login.example.test/tenant/v2.0",
        });
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("Production", null)]
    [InlineData("Development", "WEBSITE_INSTANCE_ID")]
    public async Task Start_RefusesAPlainHttpAuthority_OutsideALocalRun(string? environment, string? platformVariable)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = null,
            ["Auth:Authority"] = LocalAuthority,
            [RunSite.EnvironmentSetting] = environment,
        };
        if (platformVariable is not null)
        {
            settings[platformVariable] = "blue-tokens-app";
        }

        OptionsValidationException failure = await StartFailsAsync(settings);

        Assert.Contains("Setting Auth__Authority:", failure.Message, StringComparison.Ordinal);
        Assert.Contains("https", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsAPlainHttpAuthority_InALocalRun()
    {
        await StartsAsync(new()
        {
            ["Auth:SigningKey"] = null,
            ["Auth:Authority"] = LocalAuthority,
            [RunSite.EnvironmentSetting] = "Development",
        });
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("Production", null)]
    [InlineData("Development", "WEBSITE_SITE_NAME")]
    public async Task Start_RefusesAPlainHttpConnectOrigin_OutsideALocalRun(string? environment, string? platformVariable)
    {
        // The page sends its code and verifier to the token endpoint there: in clear over http.
        Dictionary<string, string?> settings = PageSignIn(environment, "https://login.example.test/tenant/v2.0", "https://oauth2.example.net http://oauth2.example.org");
        if (platformVariable is not null)
        {
            settings[platformVariable] = "blue-tokens-app";
        }

        OptionsValidationException failure = await StartFailsAsync(settings);

        Assert.Contains("Setting Auth__UiConnectOrigins: 'http://oauth2.example.org' must be https", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'https://oauth2.example.net'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsAPlainHttpConnectOrigin_InALocalRun()
    {
        await StartsAsync(PageSignIn("Development", LocalAuthority, "http://127.0.0.1:5100"));
    }

    [Theory]
    [InlineData("Development", "page-client")]
    [InlineData("Production", "page-client")]
    [InlineData("Production", " PAGE-CLIENT ")]
    public async Task Start_RefusesAnAudienceThatIsThePagesClientId_Anywhere(string environment, string audience)
    {
        // The ID token the provider gives the page has aud = its client id: it would pass as an admin JWT.
        Dictionary<string, string?> settings = PageSignIn(environment, "https://login.example.test/tenant/v2.0", "");
        settings["Auth:Audience"] = audience;

        OptionsValidationException failure = await StartFailsAsync(settings);

        Assert.Contains("Setting Auth__Audience: must not be Auth__UiClientId", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AcceptsTheApisOwnAudience_BesideThePagesClientId()
    {
        Dictionary<string, string?> settings = PageSignIn("Production", "https://login.example.test/tenant/v2.0", "https://oauth2.example.net");
        settings["Auth:Audience"] = "api://page-client";

        await StartsAsync(settings);
    }

    [Fact]
    public void SampleSecrets_AreTheValuesOfTheSampleFile()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "BlueTokenFunctions.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found.");
        }

        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "local.settings.sample.json")));
        JsonElement values = sample.RootElement.GetProperty("Values");

        Assert.Equal(SampleSecrets.SigningKey, values.GetProperty("Auth__SigningKey").GetString());
        Assert.Equal(SampleSecrets.EncryptionKey, values.GetProperty("Tokens__EncryptionKey").GetString());
    }

    /// <summary>The page signs in at a provider (no development key), in the given environment.</summary>
    private static Dictionary<string, string?> PageSignIn(string? environment, string authority, string connectOrigins) => new()
    {
        [RunSite.EnvironmentSetting] = environment,
        ["Auth:SigningKey"] = null,
        ["Auth:Authority"] = authority,
        ["Auth:UiClientId"] = "page-client",
        ["Auth:UiScope"] = "openid api://page-client/admin",
        ["Auth:UiConnectOrigins"] = connectOrigins,
    };

    private static async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> overrides)
    {
        using IHost host = StartupValidationTests.Build(With(overrides));
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    private static async Task StartsAsync(Dictionary<string, string?> overrides)
    {
        using IHost host = StartupValidationTests.Build(With(overrides));
        await host.StartAsync();
        await host.StopAsync();
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(StartupValidationTests.ValidSettings);
        foreach ((string key, string? value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }
}
