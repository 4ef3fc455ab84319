using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlueTokens.Functions;
using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.LocalHost;

/// <summary>
/// LocalHost must serve exactly the HTTP functions the Functions host would: the same routes, the same verbs.
/// Three sources are compared: the attributes read here by reflection, the functions.metadata that the Functions
/// SDK writes for the real host, and the endpoints LocalHost actually mapped; then every route is called.
/// </summary>
[Collection(StackTests.Name)]
public sealed partial class LocalHostRouteTests(StackFixture stack)
{
    [Fact]
    public async Task LocalHost_MapsEveryHttpFunctionRouteAndVerb_AndNothingElse()
    {
        await using var host = new LocalHostFactory(stack);
        _ = host.Server; // starts the host

        var mapped = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(verb => Route(verb, endpoint.RoutePattern.RawText!)))
            .ToHashSet();

        Assert.NotEmpty(ReflectedRoutes());
        Assert.Equal(ReflectedRoutes().Order(), mapped.Order());
    }

    [Fact]
    public void FunctionsMetadata_WrittenByTheFunctionsSdk_MatchesTheReflectedRoutes()
    {
        string path = FunctionsMetadataPath();
        using JsonDocument metadata = JsonDocument.Parse(File.ReadAllText(path));
        var declared = new HashSet<string>();
        foreach (JsonElement function in metadata.RootElement.EnumerateArray())
        {
            foreach (JsonElement binding in function.GetProperty("bindings").EnumerateArray())
            {
                if (binding.GetProperty("type").GetString() != "httpTrigger")
                {
                    continue;
                }

                string route = binding.TryGetProperty("route", out JsonElement r) ? r.GetString()! : function.GetProperty("name").GetString()!;
                foreach (JsonElement verb in binding.GetProperty("methods").EnumerateArray())
                {
                    declared.Add(Route(verb.GetString()!, "api/" + route));
                }
            }
        }

        Assert.Equal(ReflectedRoutes().Order(), declared.Order());
    }

    [Fact]
    public async Task LocalHost_DispatchesEveryRouteAndVerbToItsFunction()
    {
        var served = new ConcurrentQueue<string?>();
        await using var baseHost = new LocalHostFactory(stack);
        await using WebApplicationFactory<LocalHostEntryPoint> host = baseHost.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IStartupFilter>(new EndpointRecorder(served))));
        using HttpClient client = host.CreateClient();

        foreach ((string verb, string route, string name) in ReflectedFunctions())
        {
            string path = "/" + RouteParameter().Replace(route, "probe");
            using var request = new HttpRequestMessage(new HttpMethod(verb), path);
            using HttpResponseMessage response = await client.SendAsync(request);

            Assert.True(served.TryDequeue(out string? function), $"{verb} {path}: no request recorded");
            Assert.Equal(name, function);
        }
    }

    private static IEnumerable<string> ReflectedRoutes() =>
        ReflectedFunctions().Select(f => Route(f.Verb, f.Route));

    private static IEnumerable<(string Verb, string Route, string Name)> ReflectedFunctions()
    {
        foreach (MethodInfo method in typeof(FunctionApp).Assembly.GetTypes().SelectMany(type => type.GetMethods()))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function)
            {
                continue;
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } trigger)
                {
                    foreach (string verb in trigger.Methods ?? [])
                    {
                        yield return (verb.ToUpperInvariant(), "api/" + (trigger.Route ?? function.Name), function.Name);
                    }
                }
            }
        }
    }

    private static string Route(string verb, string route) => $"{verb.ToUpperInvariant()} {route.ToLowerInvariant()}";

    private static string FunctionsMetadataPath()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string path = Path.Combine(RepositoryPaths.Root, "src", "Functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: the Functions SDK writes it when src/Functions builds.");
        return path;
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    /// <summary>Records which function's endpoint served each request, from the endpoint's own metadata.</summary>
    private sealed class EndpointRecorder(ConcurrentQueue<string?> served) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                await inner(context);
                served.Enqueue(context.GetEndpoint()?.Metadata.GetMetadata<HttpFunction>()?.Name);
            });
            next(app);
        };
    }
}
