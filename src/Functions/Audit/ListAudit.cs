using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Audit;

/// <summary><c>GET /api/audit?clientId=&amp;pageSize=&amp;continuationToken=</c>: newest first; survives deletion.</summary>
internal sealed class ListAudit(AdminAuthenticator authenticator, AuditLog audit)
{
    [Function(nameof(ListAudit))]
    public async Task<Results<ApiJson<AuditListResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        var query = new QueryReader(request);
        PageRequest page = query.Page();
        string? clientId = query.Single("clientId");
        if (clientId is { Length: 0 or > 64 })
        {
            query.Errors.Add("clientId", "clientId must be 1 to 64 characters.");
        }

        if (query.HasErrors)
        {
            return Problems.InvalidQuery(query.Errors);
        }

        Outcome<AuditPage> outcome = await audit.ListAsync(admin, clientId, page, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        var items = outcome.Value!.Items.Select(AuditEventResponse.From).ToList();
        return ApiJson.Ok(new AuditListResponse(items, outcome.Value.ContinuationToken), ApiJsonContext.Default.AuditListResponse);
    }
}
