using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary>
/// <c>POST /api/clients/{id}/token/regenerate</c> with <c>{ "expiresInDays"?, "expiresAt"?, "gracePeriodMinutes"? }</c>
/// (the body may be empty): a new token, and the old one for the grace period only.
/// </summary>
internal sealed class RegenerateToken(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    private static readonly string[] Fields = ["expiresInDays", "expiresAt", "gracePeriodMinutes"];

    [Function(nameof(RegenerateToken))]
    public async Task<Results<ApiJson<IssuedTokenResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clients/{id}/token/regenerate")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        if (!ClientIds.IsWellFormed(id))
        {
            return Problems.From(Failure.NotFound(id)); // before the body: no client, nothing to validate against
        }

        ProblemOr<JsonBody> read = await AdminRequests.ReadJsonAsync(request, Fields, required: false, cancellationToken);
        if (!read.TryGet(out JsonBody? body, out problem))
        {
            return problem;
        }

        var command = new RegenerateTokenCommand(body.Integer("expiresInDays"), body.Timestamp("expiresAt"), body.Integer("gracePeriodMinutes"));
        if (body.HasErrors)
        {
            return Problems.ValidationFailed(body.Errors);
        }

        IfMatch ifMatch = IfMatch.Parse(request.Headers.IfMatch);
        Outcome<IssuedToken> outcome = await clients.RegenerateAsync(admin, id, command, ifMatch, cancellationToken);
        return ClientResults.Regenerated(outcome, time.GetUtcNow());
    }
}
