using Microsoft.Extensions.Configuration;

namespace BlueTokens.Core.Configuration;

/// <summary>
/// Where the service runs, as start-up checks need to know it. The platform's own variables decide "in Azure"
/// (App Service and Functions set <c>WEBSITE_INSTANCE_ID</c> and <c>WEBSITE_SITE_NAME</c> on every instance, and an
/// app cannot unset them), so a missing or misspelt <c>AZURE_FUNCTIONS_ENVIRONMENT</c> cannot make a deployed app
/// look like a developer's machine.
/// </summary>
internal static class RunSite
{
    public const string EnvironmentSetting = "AZURE_FUNCTIONS_ENVIRONMENT";

    public static bool InAzure(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["WEBSITE_INSTANCE_ID"]) || !string.IsNullOrWhiteSpace(configuration["WEBSITE_SITE_NAME"]);

    public static bool IsDevelopment(IConfiguration configuration) =>
        string.Equals(configuration[EnvironmentSetting], "Development", StringComparison.OrdinalIgnoreCase);

    public static bool IsProduction(IConfiguration configuration) =>
        string.Equals(configuration[EnvironmentSetting], "Production", StringComparison.OrdinalIgnoreCase);

    /// <summary>A developer's machine or a test run: not in Azure, and the environment says Development.</summary>
    public static bool IsLocalRun(IConfiguration configuration) => !InAzure(configuration) && IsDevelopment(configuration);
}
