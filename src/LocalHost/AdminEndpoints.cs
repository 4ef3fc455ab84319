using BlueTokens.Functions;
using BlueTokens.Functions.Http;

namespace BlueTokens.LocalHost;

/// <summary>
/// <c>POST /admin/functions/{name}</c> with <c>{ "input": "" }</c>: runs a non-HTTP function now and answers 202
/// at once, as the Functions host does. The body must be sent as JSON (415 otherwise).
/// </summary>
internal static class AdminEndpoints
{
    public static void MapAdminEndpoints(this WebApplication app)
    {
        app.MapPost("/admin/functions/{name}", IResult (string name, HttpRequest request, FunctionCatalog catalog, TimerFunctionRunner runner, IHostApplicationLifetime lifetime) =>
        {
            // A web page can send a cross-origin POST without asking (no-cors) only as a form or text/plain: a
            // JSON body keeps any page the developer visits from running the timer functions.
            if (!request.HasJsonContentType())
            {
                return Problems.UnsupportedMediaType();
            }

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
