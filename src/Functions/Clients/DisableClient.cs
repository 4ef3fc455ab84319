using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>POST /api/clients/{id}/disable</c>: idempotent; the token stops validating at once.</summary>
internal sealed class DisableClient(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    [Function(nameof(DisableClient))]
    public async Task<Results<ApiJson<ClientResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clients/{id}/disable")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        IfMatch ifMatch = IfMatch.Parse(request.Headers.IfMatch);
        return ClientResults.Client(await clients.SetDisabledAsync(admin, id, disabled: true, ifMatch, cancellationToken), time.GetUtcNow());
    }
}
