using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>POST /api/clients</c>: creates a client and issues its first token (201).</summary>
internal sealed class CreateClient(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    private static readonly string[] Fields = ["name", "role", "expiresInDays", "expiresAt", "allowedNetworks"];

    [Function(nameof(CreateClient))]
    public async Task<Results<ApiJson<IssuedTokenResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clients")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        ProblemOr<JsonBody> read = await AdminRequests.ReadJsonAsync(request, Fields, required: true, cancellationToken);
        if (!read.TryGet(out JsonBody? body, out problem))
        {
            return problem;
        }

        var command = new CreateClientCommand(
            body.String("name"), body.String("role"), body.Integer("expiresInDays"), body.Timestamp("expiresAt"), body.StringArray("allowedNetworks"));
        if (body.HasErrors)
        {
            return Problems.ValidationFailed(body.Errors);
        }

        Outcome<IssuedToken> outcome = await clients.CreateAsync(admin, command, cancellationToken);
        return ClientResults.Created(outcome, time.GetUtcNow(), request);
    }
}
