using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Http;

/// <summary>The contract's problem responses, one factory per code.</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    public static JsonResult<Problem> Create(int status, string code, string title, string detail, IReadOnlyDictionary<string, string[]>? errors = null) =>
        new(status, new Problem(TypeFor(code), title, status, detail, code, errors), ApiJsonContext.Default.Problem, ContentType);

    public static JsonResult<Problem> InternalError() =>
        Create(StatusCodes.Status500InternalServerError, "internal_error", "Internal error",
            "The service could not complete the request. It has been logged; retrying may help.");

    public static string TypeFor(string code) => $"urn:blue:token-api:problem:{code}";
}
