using BlueTokens.Functions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using AspNetCoreCors = Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions;
using BlueCors = BlueTokens.Core.Configuration.CorsOptions;

namespace BlueTokens.LocalHost;

/// <summary>
/// The browser access of <c>Cors__AllowedOrigins</c>, for the management API only (<c>/clients</c>, <c>/audit</c>):
/// a page from one of those origins may send its admin's bearer token (never cookies, so no credentials), with the
/// headers the API reads, and read the headers it answers with. Validate, health, the secret scanning report and the
/// page itself answer no CORS: their callers are servers, or the page's own origin.
/// </summary>
internal static class ManagementCors
{
    public const string Policy = "management";

    private static readonly string[] ManagementRoutes = ["clients", "audit"];

    public static IServiceCollection AddManagementCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<AspNetCoreCors>().Configure<IOptions<BlueCors>, FunctionCatalog>((cors, allowed, catalog) =>
            cors.AddPolicy(Policy, policy => policy
                .WithOrigins([.. allowed.Value.Origins])
                .WithMethods([.. catalog.Http.Where(Covers).SelectMany(function => function.Methods).Distinct()])
                .WithHeaders(HeaderNames.Authorization, HeaderNames.ContentType, HeaderNames.IfMatch)
                .WithExposedHeaders(HeaderNames.ETag, HeaderNames.Location, HeaderNames.RetryAfter)
                // Saves a browser the preflight before every write while an admin works through a list.
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return services;
    }

    /// <summary>Whether the function belongs to the management API, which answers CORS.</summary>
    public static bool Covers(HttpFunction function) =>
        ManagementRoutes.Any(route => function.Route == route || function.Route.StartsWith(route + "/", StringComparison.Ordinal));
}
