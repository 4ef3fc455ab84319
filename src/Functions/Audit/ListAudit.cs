using BlueTokens.Core.Audit;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Functions.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Audit;

/// <summary><c>GET /api/audit?clientId=&amp;pageSize=&amp;continuationToken=</c>: newest first; survives deletion.</summary>
internal sealed class ListAudit(AdminAuthenticator authenticator, AuditLog audit)
{
    [Function(nameof(ListAudit))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        AdminCall call = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (call.Rejection is not null)
        {
            return call.Rejection;
        }

        var query = new QueryReader(request);
        PageRequest page = query.Page();
        string? clientId = query.Single("clientId");
        if (clientId is { Length: 0 or > 64 })
        {
            query.Fail("clientId", "clientId must be 1 to 64 characters.");
        }

        if (query.HasErrors)
        {
            return Problems.InvalidQuery(query.Errors);
        }

        Outcome<AuditPage> outcome = await audit.ListAsync(call.Admin!, clientId, page, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        var items = outcome.Value!.Items.Select(AuditEventResponse.From).ToList();
        return new JsonResult<AuditListResponse>(200, new AuditListResponse(items, outcome.Value.ContinuationToken), ApiJsonContext.Default.AuditListResponse);
    }
}
