using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary><c>GET /api/clients?pageSize=&amp;continuationToken=&amp;status=</c>: the tenant's clients, oldest first.</summary>
internal sealed class ListClients(AdminAuthenticator authenticator, ClientService clients, TimeProvider time)
{
    [Function(nameof(ListClients))]
    public async Task<Results<ApiJson<ClientListResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        var query = new QueryReader(request);
        PageRequest page = query.Page();
        ClientStatus? status = null;
        if (query.Single("status") is { } text)
        {
            if (ClientStatusNames.TryParse(text, out ClientStatus parsed))
            {
                status = parsed;
            }
            else
            {
                query.Errors.Add("status", "status must be active, disabled or expired.");
            }
        }

        if (query.HasErrors)
        {
            return Problems.InvalidQuery(query.Errors);
        }

        Outcome<ClientPage> outcome = await clients.ListAsync(admin, status, page, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        DateTimeOffset now = time.GetUtcNow();
        var items = outcome.Value!.Items.Select(client => ClientResponse.From(client, now)).ToList();
        return ApiJson.Ok(new ClientListResponse(items, outcome.Value.ContinuationToken), ApiJsonContext.Default.ClientListResponse);
    }
}
