using System.Reflection;
using BlueTokens.Functions;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// LocalHost in memory, wired to the fixture's Azurite and Redis with development settings. Tests add or
/// override settings per instance; two instances over one fixture are two hosts sharing one store.
/// </summary>
public sealed class LocalHostFactory(StackFixture stack, IReadOnlyDictionary<string, string?>? overrides = null, params Assembly[] extraFunctionAssemblies)
    : WebApplicationFactory<LocalHostEntryPoint>
{
    public const string Issuer = "https://issuer.blue.test";
    public const string Audience = "blue-token-api";
    public const string SigningKey = "integration-tests-signing-key-0123456789abcdef";
    public static readonly string EncryptionKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["TokenStorage"] = stack.StorageConnectionString,
            ["Redis:ConnectionString"] = stack.RedisConnectionString,
            ["Auth:Issuer"] = Issuer,
            ["Auth:Audience"] = Audience,
            ["Auth:SigningKey"] = SigningKey,
            ["Tokens:EncryptionKey"] = EncryptionKey,
            [TimerFunctionRunner.DisableSetting] = "true",
            ["settings"] = Path.Combine(Path.GetTempPath(), "no-local-settings-for-tests.json"),
        };
        foreach ((string key, string? value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        foreach ((string key, string? value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Development");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (extraFunctionAssemblies.Length > 0)
        {
            builder.ConfigureTestServices(services =>
                services.AddSingleton(new FunctionCatalog([typeof(FunctionApp).Assembly, .. extraFunctionAssemblies])));
        }
    }
}
