using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Web;

/// <summary>
/// <c>GET /api/ui/config.json</c>: how the page signs in and when it flags an expiry, from the service's settings;
/// and the page's Content-Security-Policy, which must let it reach the identity provider and nothing else.
/// (Settings that cannot work stop the start: StartupValidationTests.)
/// </summary>
[Collection(StackTests.Name)]
public sealed class PageSettingsTests(StackFixture stack)
{
    [Fact]
    public async Task Development_NoProvider_TheDefaultWarning_AndTheApiOnly()
    {
        await using var host = new LocalHostFactory(stack);
        using HttpClient http = host.CreateClient();

        using HttpResponseMessage config = await http.GetAsync("/api/ui/config.json");
        using JsonDocument body = JsonDocument.Parse(await config.Content.ReadAsStringAsync());

        Assert.Equal(System.Net.HttpStatusCode.OK, config.StatusCode);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("signIn").ValueKind);
        Assert.Equal(7, body.RootElement.GetProperty("expiryWarningDays").GetInt32());
        Assert.True(body.RootElement.GetProperty("acceptLinkToken").GetBoolean()); // the link ./run.sh prints
        Assert.Contains("connect-src 'self';", await PolicyAsync(http));
    }

    /// <summary>
    /// Outside a local run a <c>#token=</c> link is login CSRF (an attacker's JWT in a link signs the victim into the
    /// attacker's tenant), so the page is told not to take one, also where it has no provider to sign in at.
    /// </summary>
    [Theory]
    [InlineData("Staging", null)]
    [InlineData("Production", null)]
    [InlineData("Development", "WEBSITE_INSTANCE_ID")]
    public async Task OutsideALocalRun_NoProvider_NoTokenFromALink(string environment, string? platformVariable)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = environment,
            ["Auth:SigningKey"] = "",
            ["Auth:Authority"] = "https://login.example.com/tenant-1/v2.0/",
        };
        if (platformVariable is not null)
        {
            settings[platformVariable] = "blue-tokens-app";
        }

        await using var host = new LocalHostFactory(stack, settings);
        using HttpClient http = host.CreateClient();

        using HttpResponseMessage config = await http.GetAsync("/api/ui/config.json");
        using JsonDocument body = JsonDocument.Parse(await config.Content.ReadAsStringAsync());

        Assert.Equal(System.Net.HttpStatusCode.OK, config.StatusCode);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("signIn").ValueKind);
        Assert.False(body.RootElement.GetProperty("acceptLinkToken").GetBoolean());
    }

    [Fact]
    public async Task Provider_ItsSignIn_TheConfiguredWarning_AndItsOriginAllowed()
    {
        await using var host = new LocalHostFactory(stack, new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = "",
            ["Auth:Authority"] = "https://login.example.com/tenant-1/v2.0/",
            ["Auth:UiClientId"] = "page-client",
            ["Auth:UiScope"] = "openid api://blue/admin",
            ["Auth:UiConnectOrigins"] = "https://oauth2.example.net https://login.example.com",
            ["Expiry:WarningDays"] = "14",
        });
        using HttpClient http = host.CreateClient();

        using HttpResponseMessage config = await http.GetAsync("/api/ui/config.json");
        using JsonDocument body = JsonDocument.Parse(await config.Content.ReadAsStringAsync());

        JsonElement signIn = body.RootElement.GetProperty("signIn");
        Assert.Equal("https://login.example.com/tenant-1/v2.0", signIn.GetProperty("authority").GetString());
        Assert.Equal("page-client", signIn.GetProperty("clientId").GetString());
        Assert.Equal("openid api://blue/admin", signIn.GetProperty("scope").GetString());
        Assert.Equal(14, body.RootElement.GetProperty("expiryWarningDays").GetInt32());
        Assert.False(body.RootElement.GetProperty("acceptLinkToken").GetBoolean()); // a local run, but the provider signs in
        Assert.Equal("no-cache", config.Headers.CacheControl?.ToString());
        Assert.Contains("connect-src 'self' https://login.example.com https://oauth2.example.net;", await PolicyAsync(http));
    }

    private static async Task<string> PolicyAsync(HttpClient http)
    {
        using HttpResponseMessage page = await http.GetAsync("/api/ui/");
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        return string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
    }
}
