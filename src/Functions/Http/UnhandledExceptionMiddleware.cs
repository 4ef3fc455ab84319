using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Functions.Http;

/// <summary>
/// The worker's <see cref="LastResort"/>: an HTTP function's unhandled exception becomes its 500 answer (the
/// ASP.NET Core integration executes it as any result); any other function's is logged and rethrown, so that the
/// host records the invocation as failed.
/// </summary>
internal sealed class UnhandledExceptionMiddleware(ILogger<UnhandledExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.CancellationToken.IsCancellationRequested)
        {
            ApiProblem answer = LastResort.Handle(logger, e, context.FunctionDefinition.Name);
            if (IsHttp(context))
            {
                context.GetInvocationResult().Value = answer;
                return;
            }

            throw;
        }
    }

    private static bool IsHttp(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(binding =>
            string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));
}
