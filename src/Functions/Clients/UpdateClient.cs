using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>PATCH /api/clients/{id}</c> with <c>{ "name"?, "role"?, "allowedNetworks"? }</c>; <c>{}</c> changes nothing.</summary>
internal sealed class UpdateClient(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    private static readonly string[] Fields = ["name", "role", "allowedNetworks"];

    [Function(nameof(UpdateClient))]
    public async Task<Results<ApiJson<ClientResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "clients/{id}")] HttpRequest request,
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

        ProblemOr<JsonBody> read = await AdminRequests.ReadJsonAsync(request, Fields, required: true, cancellationToken);
        if (!read.TryGet(out JsonBody? body, out problem))
        {
            return problem;
        }

        var command = new UpdateClientCommand(body.String("name"), body.String("role"), body.StringArray("allowedNetworks"));
        if (body.HasErrors)
        {
            return Problems.ValidationFailed(body.Errors);
        }

        IfMatch ifMatch = IfMatch.Parse(request.Headers.IfMatch);
        return ClientResults.Client(await clients.UpdateAsync(admin, id, command, ifMatch, cancellationToken), time.GetUtcNow());
    }
}
