using System.Text.Json;
using BlueTokens.Core;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Configuration;
using BlueTokens.Functions;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;

// LocalHost: serves the function classes of BlueTokens.Functions over Kestrel where the Functions host (func)
// is not installed. Options: --port N (default 7071), --settings PATH (default ./local.settings.json),
// --tenant T (the tenant of the printed development JWT, default dev).
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);

string settingsPath = builder.Configuration["settings"] ?? Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json");
if (File.Exists(settingsPath))
{
    LocalSettings.AddBelowEnvironment(builder.Configuration, LocalSettings.Read(settingsPath));
}

int port = builder.Configuration.GetValue("port", 7071);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

// Only this machine's own names (any port): a page the developer visits that points a name of its own at 127.0.0.1
// (DNS rebinding) is refused with 400, so it cannot read answers or run functions.
builder.Services.Configure<HostFilteringOptions>(options => options.AllowedHosts = ["127.0.0.1", "localhost"]);

builder.Services.AddBlueTokenCore(builder.Configuration);
builder.Services.AddSingleton(new FunctionCatalog(
    typeof(FunctionApp).Assembly.GetTypes().Concat(builder.Configuration.GetValue<bool>(BaselineRedisGet.EnableSetting) ? [typeof(BaselineRedisGet)] : [])));
builder.Services.AddManagementCors();
builder.Services.AddSingleton<TimerFunctionRunner>();
builder.Services.AddHostedService(provider => provider.GetRequiredService<TimerFunctionRunner>());

WebApplication app = builder.Build();

string routePrefix = ReadRoutePrefix();
app.UseCors();
app.MapHttpFunctions(app.Services.GetRequiredService<FunctionCatalog>(), routePrefix);
app.MapAdminEndpoints();
if (app.Configuration.GetValue<bool>(BaselineRedisGet.EnableSetting))
{
    app.MapBenchmarkEndpoints(routePrefix);
}

// The Access Token Management page is the GetWebAsset function at {prefix}/ui/ (the Functions host serves
// functions only under the prefix); here the root leads to it too.
app.MapGet("/", () => Results.Redirect(string.IsNullOrEmpty(routePrefix) ? "/ui/" : $"/{routePrefix}/ui/"));

app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(app, port));
app.Run();

static string ReadRoutePrefix()
{
    // The same host.json as the Functions host: it is linked into the Functions project and copied beside us.
    string path = Path.Combine(AppContext.BaseDirectory, "host.json");
    if (!File.Exists(path))
    {
        return "api";
    }

    using JsonDocument hostJson = JsonDocument.Parse(File.ReadAllText(path));
    return hostJson.RootElement.TryGetProperty("extensions", out JsonElement extensions)
        && extensions.TryGetProperty("http", out JsonElement http)
        && http.TryGetProperty("routePrefix", out JsonElement prefix)
            ? prefix.GetString() ?? ""
            : "api";
}

static void PrintWelcome(WebApplication app, int port)
{
    string baseUrl = $"http://127.0.0.1:{port}/api";
    Console.WriteLine();
    Console.WriteLine($"BLUE access token service: {baseUrl}");
    Console.WriteLine($"  curl -s {baseUrl}/health");

    AuthOptions auth = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
    if (!string.IsNullOrEmpty(auth.SigningKey))
    {
        string tenant = app.Configuration["tenant"] ?? "dev";
        TimeProvider time = app.Services.GetRequiredService<TimeProvider>();
        string jwt = DevelopmentToken.Create(auth, tenant, "dev-admin", time.GetUtcNow(), TimeSpan.FromHours(12));
        Console.WriteLine($"Development admin JWT for tenant '{tenant}' (12 hours):");
        Console.WriteLine($"  export BLUE_JWT={jwt}");
        Console.WriteLine($"  curl -s -H \"Authorization: Bearer $BLUE_JWT\" {baseUrl}/clients");
        if (RunSite.IsLocalRun(app.Configuration))
        {
            Console.WriteLine("The Access Token Management page, signed in with it (browsers never send the #fragment to a server):");
            Console.WriteLine($"  {baseUrl}/ui/#token={jwt}");
        }
        else
        {
            // The page takes a token from a link only in a local run (login CSRF elsewhere): no link to print.
            Console.WriteLine($"Access Token Management page: {baseUrl}/ui/ (paste the JWT: outside a local run a #token= link is not taken)");
        }
    }
    else
    {
        Console.WriteLine($"Access Token Management page: {baseUrl}/ui/ (sign in with an admin bearer token)");
    }

    Console.WriteLine("Press Ctrl-C to stop.");
}

