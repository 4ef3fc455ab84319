using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace BlueTokens.Functions.Http;

/// <summary>
/// The worker's last line: an exception no function handled is logged once and answered with a generic
/// <c>internal_error</c> problem, never with its message (which may hold details a caller must not see).
/// </summary>
internal sealed partial class UnhandledExceptionMiddleware(ILogger<UnhandledExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.CancellationToken.IsCancellationRequested)
        {
            LogUnhandled(logger, e, context.FunctionDefinition.Name);
            if (context.GetInvocationResult() is { } result && IsHttp(context))
            {
                result.Value = Problems.InternalError();
                return;
            }

            throw;
        }
    }

    private static bool IsHttp(FunctionContext context) =>
        context.FunctionDefinition.InputBindings.Values.Any(binding =>
            string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {FunctionName} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string functionName);
}
