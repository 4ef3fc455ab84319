using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>DELETE /api/clients/{id}</c>: 204; its audit trail stays.</summary>
internal sealed class DeleteClient(AdminAuthenticator authenticator, ClientService clients)
{
    [Function(nameof(DeleteClient))]
    public async Task<Results<NoContent, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "clients/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        IfMatch ifMatch = IfMatch.Parse(request.Headers.IfMatch);
        Outcome<bool> outcome = await clients.DeleteAsync(admin, id, ifMatch, cancellationToken);
        return outcome.Failure is { } failure ? Problems.From(failure) : TypedResults.NoContent();
    }
}
