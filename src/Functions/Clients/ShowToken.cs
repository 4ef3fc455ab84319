using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>GET /api/clients/{id}/token</c>: Show. Audited, and never cached by anything between.</summary>
internal sealed class ShowToken(AdminAuthenticator authenticator, ClientService clients)
{
    [Function(nameof(ShowToken))]
    public async Task<Results<ApiJson<TokenResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{id}/token")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        Outcome<string> outcome = await clients.ShowTokenAsync(admin, id, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        return ApiJson.Ok(new TokenResponse(outcome.Value!), ApiJsonContext.Default.TokenResponse)
            .WithHeader("Cache-Control", "no-store");
    }
}
