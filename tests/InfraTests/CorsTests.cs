using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>
/// corsAllowedOrigins: the platform's CORS of the function app takes exactly these origins, without credentials,
/// and the app gets the same list as <c>Cors__AllowedOrigins</c> (which it checks at start-up); by default, none.
/// </summary>
[Collection(EvaluatedInfra.Name)]
public sealed class CorsTests(DeploymentSnapshots snapshots, CorsTests.WithOrigins withOrigins) : IClassFixture<CorsTests.WithOrigins>
{
    [Fact]
    public void QuickStart_AllowsNoOrigin()
    {
        ArmResource site = snapshots.QuickStart.Single("Microsoft.Web/sites");

        Assert.Equal("[]", site.Property("siteConfig.cors.allowedOrigins")?.GetRawText());
        Assert.Equal("", Setting(snapshots.QuickStart, "Cors__AllowedOrigins"));
    }

    [Fact]
    public void Origins_GoToThePlatformCors_Trimmed_WithoutCredentials()
    {
        ArmResource site = withOrigins.Snapshot.Single("Microsoft.Web/sites");

        Assert.Equal(
            ["https://blue.example.com", "http://localhost:5173"],
            site.Property("siteConfig.cors.allowedOrigins")!.Value.EnumerateArray().Select(origin => origin.GetString()));
        Assert.False(site.Property("siteConfig.cors.supportCredentials")!.Value.GetBoolean());
    }

    [Fact]
    public void Origins_GoToTheApp_AsTheSameList()
    {
        Assert.Equal("https://blue.example.com,http://localhost:5173", Setting(withOrigins.Snapshot, "Cors__AllowedOrigins"));
    }

    private static string? Setting(BicepSnapshot snapshot, string name)
    {
        ArmResource config = Assert.Single(snapshot.OfType("Microsoft.Web/sites/config"), resource => resource.Name.EndsWith("/appsettings", StringComparison.Ordinal));
        return config.Properties.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;
    }

    /// <summary>The quick start with two origins, written as an operator might (spaces, a trailing comma).</summary>
    public sealed class WithOrigins : IDisposable
    {
        public WithOrigins()
        {
            Snapshot = BicepSnapshot.Evaluate(BicepCli.FindRepositoryRoot(), new Dictionary<string, string>(DeploymentSnapshots.Required)
            {
                ["corsAllowedOrigins"] = "' https://blue.example.com , http://localhost:5173,'",
            });
        }

        public BicepSnapshot Snapshot { get; }

        public void Dispose() => Snapshot.Dispose();
    }
}
