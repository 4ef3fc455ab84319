using System.Text.Json.Serialization;

namespace BlueTokens.Functions.Http;

/// <summary>An RFC 9457 problem with the contract's stable <c>code</c> (API.md, "Error codes").</summary>
public sealed record Problem(
    string Type,
    string Title,
    int Status,
    string Detail,
    string Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors = null);
