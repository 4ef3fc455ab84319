using System.Text.Json.Serialization;

namespace BlueTokens.Functions.Health;

internal sealed record HealthCheckResponse(string Status, long DurationMs, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

internal sealed record HealthResponse(string Status, IReadOnlyDictionary<string, HealthCheckResponse> Checks);
