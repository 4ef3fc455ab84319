using Microsoft.Extensions.Logging;

namespace BlueTokens.Functions.Http;

/// <summary>
/// The last line of both hosts (the worker's <see cref="UnhandledExceptionMiddleware"/>, LocalHost's endpoints):
/// an exception no function handled is logged once, with the function's name, and answered with the generic
/// <c>internal_error</c> problem, never with its message (which may hold details a caller must not see).
/// </summary>
internal static partial class LastResort
{
    public static ApiProblem Handle(ILogger logger, Exception exception, string functionName)
    {
        LogUnhandled(logger, exception, functionName);
        return Problems.InternalError();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {FunctionName} failed")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string functionName);
}
