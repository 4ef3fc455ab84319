using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>POST /api/clients</c>: creates a client and issues its first token (201).</summary>
internal sealed class CreateClient(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    private static readonly string[] Fields = ["name", "role", "expiresInDays", "expiresAt"];

    [Function(nameof(CreateClient))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "clients")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        AdminCall call = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (call.Rejection is not null)
        {
            return call.Rejection;
        }

        BodyRead read = await AdminRequests.ReadJsonAsync(request, Fields, required: true, cancellationToken);
        if (read.Rejection is not null)
        {
            return read.Rejection;
        }

        JsonBody body = read.Body!;
        var command = new CreateClientCommand(body.String("name"), body.String("role"), body.Integer("expiresInDays"), body.Timestamp("expiresAt"));
        if (body.HasErrors)
        {
            return Problems.ValidationFailed(body.Errors);
        }

        Outcome<IssuedToken> outcome = await clients.CreateAsync(call.Admin!, command, cancellationToken);
        string? location = outcome.Value is { } issued ? $"{request.PathBase}{request.Path.Value?.TrimEnd('/')}/{issued.Client.Id}" : null;
        return ClientResults.Issued(outcome, time.GetUtcNow(), StatusCodes.Status201Created, location);
    }
}
