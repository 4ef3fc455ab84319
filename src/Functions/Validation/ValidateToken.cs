using BlueTokens.Core.Validation;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Validation;

/// <summary>
/// <c>POST /api/validate</c>: the connectors' call. The token comes as <c>Authorization: Bearer</c> (which wins) or
/// as <c>{ "token" }</c>; no JWT. 200 with the client, 401 <c>invalid_token</c> / <c>disabled</c> / <c>expired</c> /
/// <c>network_not_allowed</c>, or 429 <c>rate_limited</c> once the source has spent its failure budget.
/// </summary>
internal sealed class ValidateToken(TokenValidator validator)
{
    private static readonly string[] Fields = ["token"];

    [Function(nameof(ValidateToken))]
    public async Task<Results<ValidAnswer, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "validate")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ValidationResult result;
        if (TryGetBearerToken(request, out ReadOnlyMemory<char> bearer))
        {
            result = await validator.ValidateAsync(bearer.Span, RequestSource.Of(request), cancellationToken);
        }
        else
        {
            ProblemOr<JsonBody> read = await AdminRequests.ReadJsonAsync(request, Fields, required: false, cancellationToken);
            if (!read.TryGet(out JsonBody? body, out ApiProblem? problem))
            {
                return problem;
            }

            string? token = body.String("token");
            if (body.HasErrors)
            {
                return Problems.ValidationFailed(body.Errors);
            }

            result = await validator.ValidateAsync(token, RequestSource.Of(request), cancellationToken);
        }

        return result.Code switch
        {
            ValidationCode.Valid => ValidAnswer.For(result),
            ValidationCode.RateLimited => Problems.RateLimited(result.RetryAfter),
            ValidationCode.Disabled => Problems.TokenRefused("disabled", "The client of this token is disabled."),
            ValidationCode.Expired => Problems.TokenRefused("expired", "This token has expired; regenerate it."),
            ValidationCode.NetworkNotAllowed => Problems.TokenRefused(
                "network_not_allowed", "This client's network policy does not allow requests from this address."),
            _ => Problems.TokenRefused("invalid_token", "The token is not valid."),
        };
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, as a slice of the header (no copy).</summary>
    private static bool TryGetBearerToken(HttpRequest request, out ReadOnlyMemory<char> token)
    {
        string header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        bool bearer = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);
        token = bearer ? header.AsMemory(Scheme.Length).Trim() : default;
        return bearer;
    }
}
