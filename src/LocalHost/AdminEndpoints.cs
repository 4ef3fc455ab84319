using BlueTokens.Functions;

namespace BlueTokens.LocalHost;

/// <summary>
/// <c>POST /admin/functions/{name}</c> with <c>{ "input": "" }</c>: runs a non-HTTP function now and answers 202
/// at once, as the Functions host does.
/// </summary>
internal static class AdminEndpoints
{
    public static void MapAdminEndpoints(this WebApplication app)
    {
        app.MapPost("/admin/functions/{name}", (string name, FunctionCatalog catalog, TimerFunctionRunner runner, IHostApplicationLifetime lifetime) =>
        {
            if (catalog.Find(name) is not TimerFunction timer)
            {
                return Results.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Not found",
                    detail: $"No non-HTTP function is named '{name}'.",
                    extensions: new Dictionary<string, object?> { ["code"] = "not_found" });
            }

            _ = Task.Run(() => runner.RunAsync(timer, isPastDue: false, lifetime.ApplicationStopping));
            return Results.Accepted();
        });
    }
}
