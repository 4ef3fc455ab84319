using System.Diagnostics.Metrics;

namespace BlueTokens.Core.Validation;

/// <summary>
/// The validate outcome metric: <c>blue.validate.outcomes</c>, one count per answer, tagged with the outcome
/// (valid, invalid_token, disabled, expired, rate_limited) and where the answer came from (cache hit, cache miss
/// read from the table, table with Redis unavailable, or none for junk). Exported by whichever telemetry the
/// host wires to the <see cref="MeterName"/> meter (OpenTelemetry to Application Insights in Azure).
/// </summary>
internal sealed class ValidationMetrics : IDisposable
{
    public const string MeterName = "BlueTokens.Validation";

    private readonly Meter _meter;
    private readonly Counter<long> _outcomes;

    public ValidationMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _outcomes = _meter.CreateCounter<long>("blue.validate.outcomes", unit: "{answer}", description: "Validate answers by outcome and source");
    }

    public void Record(ValidationCode code, string source) =>
        _outcomes.Add(1, new KeyValuePair<string, object?>("outcome", Outcome(code)), new KeyValuePair<string, object?>("source", source));

    public void Dispose() => _meter.Dispose();

    private static string Outcome(ValidationCode code) => code switch
    {
        ValidationCode.Valid => "valid",
        ValidationCode.Disabled => "disabled",
        ValidationCode.Expired => "expired",
        ValidationCode.RateLimited => "rate_limited",
        _ => "invalid_token",
    };
}
