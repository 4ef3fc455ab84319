using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>GET /api/clients/{id}/token</c>: Show. Audited, and never cached by anything between.</summary>
internal sealed class ShowToken(AdminAuthenticator authenticator, ClientService clients)
{
    [Function(nameof(ShowToken))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{id}/token")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        AdminCall call = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (call.Rejection is not null)
        {
            return call.Rejection;
        }

        Outcome<string> outcome = await clients.ShowTokenAsync(call.Admin!, id, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        return new JsonResult<TokenResponse>(200, new TokenResponse(outcome.Value!), ApiJsonContext.Default.TokenResponse)
            .WithHeader("Cache-Control", "no-store");
    }
}
