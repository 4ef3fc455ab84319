using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>GET /api/clients/{id}</c>.</summary>
internal sealed class GetClient(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    [Function(nameof(GetClient))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        AdminCall call = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (call.Rejection is not null)
        {
            return call.Rejection;
        }

        return ClientResults.Client(await clients.GetAsync(call.Admin!, id, cancellationToken), time.GetUtcNow());
    }
}
