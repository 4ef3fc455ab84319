using BlueTokens.Core.Health;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Health;

/// <summary><c>GET /api/health</c>: 200 when Table Storage and Redis answer, else 503 naming what is down.</summary>
internal sealed class GetHealth(HealthService health)
{
    [Function(nameof(GetHealth))]
    public async Task<ApiJson<HealthResponse>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        HealthReport report = await health.CheckAsync(cancellationToken);
        var checks = report.Checks.ToDictionary(
            check => check.Key,
            check => new HealthCheckResponse(check.Value.Healthy ? "healthy" : "unhealthy", check.Value.DurationMs, check.Value.Error));
        int status = report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        return ApiJson.WithStatus(status, new HealthResponse(report.Healthy ? "healthy" : "degraded", checks), ApiJsonContext.Default.HealthResponse)
            .WithHeader("Cache-Control", "no-store");
    }
}
