using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>GET /api/clients/{id}</c>.</summary>
internal sealed class GetClient(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    [Function(nameof(GetClient))]
    public async Task<Results<ApiJson<ClientResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        return ClientResults.Client(await clients.GetAsync(admin, id, cancellationToken), time.GetUtcNow());
    }
}
