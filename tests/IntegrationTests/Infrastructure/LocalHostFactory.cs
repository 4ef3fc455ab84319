using System.Reflection;
using BlueTokens.Functions;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Builder;
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
    public const string LocalLease = "00:00:00.2";

    /// <summary>For tests that count what the Redis path costs: the local answers off, so every validate reaches Redis.</summary>
    public static readonly IReadOnlyDictionary<string, string?> NoLocalAnswers = new Dictionary<string, string?> { ["Cache:LocalLease"] = "00:00:00" };
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
            // Many tests expect 401s from validate; the failure budget has tests of its own that set it low.
            ["Validate:MaxFailuresPerMinute"] = "1000000",
            // The local answers are on in every test, with a short lease so that each revocation waits little.
            ["Cache:LocalLease"] = LocalLease,
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
        builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter, TestSourceAddress>());
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (extraFunctionAssemblies.Length > 0)
        {
            builder.ConfigureTestServices(services =>
                services.AddSingleton(new FunctionCatalog([typeof(FunctionApp).Assembly, .. extraFunctionAssemblies])));
        }
    }
}

/// <summary>
/// The in-memory test server has no TCP peer; this gives each request the address named by the test-only
/// header <c>X-Test-Source</c> (default 127.0.0.1), so tests can play several validate sources.
/// </summary>
internal sealed class TestSourceAddress : IStartupFilter
{
    public const string Header = "X-Test-Source";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, inner) =>
        {
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(
                context.Request.Headers[Header].FirstOrDefault() ?? "127.0.0.1");
            return inner(context);
        });
        next(app);
    };
}
