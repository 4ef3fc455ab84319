using System.Globalization;
using BlueTokens.Core.Clients;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Http;

/// <summary>The contract's problem responses (API.md, "Error codes"), one factory per code.</summary>
internal static class Problems
{
    public static ApiProblem Create(int status, string code, string title, string detail, FieldErrors? errors = null) =>
        new(new Problem(TypeFor(code), title, status, detail, code, errors?.ByField));

    public static string TypeFor(string code) => $"urn:blue:token-api:problem:{code}";

    public static ApiProblem ValidationFailed(FieldErrors errors, string detail = "The request has invalid fields.") =>
        Create(StatusCodes.Status400BadRequest, "validation_failed", "Validation failed", detail, errors);

    public static ApiProblem MalformedJson(string detail) =>
        Create(StatusCodes.Status400BadRequest, "malformed_json", "Malformed JSON", detail, FieldErrors.Of("body", detail));

    public static ApiProblem InvalidQuery(FieldErrors errors, string detail = "The query has invalid values.") =>
        Create(StatusCodes.Status400BadRequest, "invalid_query", "Invalid query", detail, errors);

    public static ApiProblem Unauthenticated(string detail) =>
        Create(StatusCodes.Status401Unauthorized, "unauthenticated", "Unauthenticated", detail)
            .WithHeader("WWW-Authenticate", "Bearer");

    public static ApiProblem Forbidden(string detail) =>
        Create(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    public static ApiProblem NotFound(string detail) =>
        Create(StatusCodes.Status404NotFound, "not_found", "Not found", detail);

    public static ApiProblem MethodNotAllowed(string method, IEnumerable<string> allowed) =>
        Create(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Method not allowed", $"{method} is not allowed here.")
            .WithHeader("Allow", string.Join(", ", allowed));

    public static ApiProblem PayloadTooLarge(int limit) =>
        PayloadTooLarge(limit >= 1024 * 1024 ? $"The body is over {limit / (1024 * 1024)} MiB." : $"The body is over {limit / 1024} KiB.");

    public static ApiProblem PayloadTooLarge(string detail) =>
        Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Payload too large", detail);

    public static ApiProblem UnsupportedMediaType() =>
        Create(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported media type", "Send the body as application/json.");

    /// <summary>A validate refusal: 401 with <c>invalid_token</c>, <c>disabled</c> or <c>expired</c>.</summary>
    public static ApiProblem TokenRefused(string code, string detail) =>
        Create(StatusCodes.Status401Unauthorized, code, "Token refused", detail)
            .WithHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");

    /// <summary>A secret scanning report whose signature is missing, malformed, wrong, or made with a key we do not know.</summary>
    public static ApiProblem InvalidSignature(string detail) =>
        Create(StatusCodes.Status401Unauthorized, "invalid_signature", "Invalid signature", detail);

    public static ApiProblem RateLimited(TimeSpan retryAfter)
    {
        long seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        return Create(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many failed validations",
                $"This source has spent its failure budget; retry in {seconds} s.")
            .WithHeader("Retry-After", seconds.ToString(CultureInfo.InvariantCulture));
    }

    public static ApiProblem InternalError() =>
        Create(StatusCodes.Status500InternalServerError, "internal_error", "Internal error",
            "The service could not complete the request. It has been logged; retrying may help.");

    /// <summary>The problem for a domain failure, with Core's field errors where it gave them.</summary>
    public static ApiProblem From(Failure failure)
    {
        FieldErrors? errors = FieldErrors.From(failure.Errors);
        return failure.Kind switch
        {
            FailureKind.Validation => ValidationFailed(errors ?? new FieldErrors(), failure.Detail),
            FailureKind.InvalidQuery => InvalidQuery(errors ?? new FieldErrors(), failure.Detail),
            FailureKind.NotFound => NotFound(failure.Detail),
            FailureKind.NameTaken => Create(StatusCodes.Status409Conflict, "name_taken", "Name taken", failure.Detail, errors),
            FailureKind.ClientLimitReached => Create(StatusCodes.Status409Conflict, "client_limit_reached", "Client limit reached", failure.Detail),
            FailureKind.PreconditionFailed => Create(StatusCodes.Status412PreconditionFailed, "precondition_failed", "Precondition failed", failure.Detail),
            FailureKind.TokenLeaked => Create(StatusCodes.Status409Conflict, "token_leaked", "Token leaked", failure.Detail),
            _ => InternalError(),
        };
    }
}
