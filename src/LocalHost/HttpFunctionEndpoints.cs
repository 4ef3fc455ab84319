using BlueTokens.Functions;
using BlueTokens.Functions.Http;

namespace BlueTokens.LocalHost;

/// <summary>
/// Maps each HTTP function to its route under the host.json route prefix, and runs its result as the worker's
/// ASP.NET Core integration does: an <see cref="IResult"/> is executed on the request's context, and an exception
/// the function did not handle is the worker's <see cref="LastResort"/> answer.
/// </summary>
internal static class HttpFunctionEndpoints
{
    public static void MapHttpFunctions(this WebApplication app, FunctionCatalog catalog, string routePrefix)
    {
        foreach (HttpFunction function in catalog.Http)
        {
            string pattern = string.IsNullOrEmpty(routePrefix) ? function.Route : $"{routePrefix}/{function.Route}";
            RequestDelegate handler = context => InvokeAsync(function, context);
            IEndpointConventionBuilder endpoint = function.Methods.Count == 0
                ? app.Map(pattern, handler)
                : app.MapMethods(pattern, function.Methods, handler);
            endpoint.WithName(function.Name).WithMetadata(function);
            if (ManagementCors.Covers(function))
            {
                endpoint.RequireCors(ManagementCors.Policy);
            }
        }
    }

    private static async Task InvokeAsync(HttpFunction function, HttpContext context)
    {
        object? result;
        try
        {
            result = await FunctionInvoker.InvokeHttpAsync(function, context);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            ILogger logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("BlueTokens.LocalHost.Functions");
            result = LastResort.Handle(logger, e, function.Name);
        }

        switch (result)
        {
            case IResult httpResult:
                await httpResult.ExecuteAsync(context);
                break;
            case null:
                break;
            default:
                throw new NotSupportedException($"Function {function.Name} returned {result.GetType().Name}; functions return an IResult.");
        }
    }
}
