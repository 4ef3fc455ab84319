namespace BlueTokens.Functions.Http;

/// <summary>An RFC 9457 problem with the contract's stable <c>code</c> (API.md, "Error codes").</summary>
public sealed record Problem(
    string Type,
    string Title,
    int Status,
    string Detail,
    string Code,
    IReadOnlyDictionary<string, string[]>? Errors = null);
