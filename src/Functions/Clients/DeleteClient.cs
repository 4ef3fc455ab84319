using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>DELETE /api/clients/{id}</c>: 204; its audit trail stays.</summary>
internal sealed class DeleteClient(AdminAuthenticator authenticator, ClientService clients)
{
    [Function(nameof(DeleteClient))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "clients/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        AdminCall call = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (call.Rejection is not null)
        {
            return call.Rejection;
        }

        IfMatch ifMatch = IfMatch.Parse(request.Headers.IfMatch);
        Outcome<bool> outcome = await clients.DeleteAsync(call.Admin!, id, ifMatch, cancellationToken);
        return outcome.Failure is { } failure ? Problems.From(failure) : new StatusResult(StatusCodes.Status204NoContent);
    }
}
