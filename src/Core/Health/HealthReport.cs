namespace BlueTokens.Core.Health;

/// <summary>The state of one dependency, as <c>GET /health</c> shows it: no secrets, no connection details.</summary>
internal sealed record DependencyHealth(bool Healthy, long DurationMs, string? Error = null);

internal sealed record HealthReport(IReadOnlyDictionary<string, DependencyHealth> Checks)
{
    public bool Healthy => Checks.Values.All(check => check.Healthy);
}
