using System.Text.Json.Serialization;
using BlueTokens.Core.SecretScanning;

namespace BlueTokens.Functions.SecretScanning;

/// <summary>One answer of a report, in the partner protocol's snake_case: the string's hash, never the string.</summary>
internal sealed record LeakVerdictResponse(
    [property: JsonPropertyName("token_hash")] string TokenHash,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("label")] string Label)
{
    public static LeakVerdictResponse From(LeakVerdict verdict) =>
        new(verdict.TokenHash, verdict.TokenType, verdict.Label == LeakLabel.TruePositive ? "true_positive" : "false_positive");
}
