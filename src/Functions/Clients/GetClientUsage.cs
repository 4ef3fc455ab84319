using System.Globalization;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Usage;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Clients;

/// <summary>
/// <c>GET /api/clients/{id}/usage?days=</c>: the client's validations per UTC day, valid and refused, for the
/// <c>days</c> (1 to 90, default 30) ending today, oldest first, zero-filled. Counts lag by up to one flush (30 s).
/// </summary>
internal sealed class GetClientUsage(AdminAuthenticator authenticator, UsageService usage)
{
    [Function(nameof(GetClientUsage))]
    public async Task<Results<ApiJson<UsageResponse>, ApiProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{id}/usage")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ProblemOr<Admin> caller = await authenticator.AuthenticateRequestAsync(request, cancellationToken);
        if (!caller.TryGet(out Admin? admin, out ApiProblem? problem))
        {
            return problem;
        }

        var query = new QueryReader(request);
        int days = UsageService.DefaultDays;
        if (query.Single("days") is { } text
            && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out days) || days < 1 || days > UsageService.RetentionDays))
        {
            query.Errors.Add("days", $"days must be a whole number from 1 to {UsageService.RetentionDays}.");
        }

        if (query.HasErrors)
        {
            return Problems.InvalidQuery(query.Errors);
        }

        Outcome<IReadOnlyList<UsageDay>> outcome = await usage.GetAsync(admin, id, days, cancellationToken);
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        return ApiJson.Ok(UsageResponse.From(outcome.Value!), ApiJsonContext.Default.UsageResponse);
    }
}

/// <summary><c>{ "days": [ { "date": "2026-12-01", "valid": 0, "refused": 0 } ] }</c>, oldest first.</summary>
internal sealed record UsageResponse(IReadOnlyList<UsageDayResponse> Days)
{
    public static UsageResponse From(IReadOnlyList<UsageDay> days) =>
        new(days.Select(day => new UsageDayResponse(day.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day.Valid, day.Refused)).ToList());
}

internal sealed record UsageDayResponse(string Date, long Valid, long Refused);
