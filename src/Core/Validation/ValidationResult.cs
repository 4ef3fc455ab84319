namespace BlueTokens.Core.Validation;

internal enum ValidationCode
{
    Valid,
    InvalidToken,
    Disabled,
    Expired,
    NetworkNotAllowed,
    RateLimited,
}

/// <summary>What validate answers. Valid results carry the client; a rate-limited one carries when to retry.</summary>
internal sealed record ValidationResult(
    ValidationCode Code,
    string? TenantId = null,
    string? ClientId = null,
    string? ClientName = null,
    string? Role = null,
    DateTimeOffset? ExpiresAt = null,
    TimeSpan RetryAfter = default)
{
    public static readonly ValidationResult InvalidToken = new(ValidationCode.InvalidToken);
    public static readonly ValidationResult Disabled = new(ValidationCode.Disabled);
    public static readonly ValidationResult Expired = new(ValidationCode.Expired);
    public static readonly ValidationResult NetworkNotAllowed = new(ValidationCode.NetworkNotAllowed);

    public bool IsValid => Code == ValidationCode.Valid;

    /// <summary>
    /// The host's rendering of this result (its HTTP answer), made once: a result held by the local answers is handed
    /// to every hit of its lease, and so is what was made of it. Opaque to Core.
    /// </summary>
    public object? Rendered { get; set; }
}

/// <summary>
/// A test seam on the miss path, between the table read and the cache fill, where the fill-versus-revocation
/// race lives. Production registers the no-op; tests hold a validation there to run the race on purpose.
/// </summary>
internal interface IValidationObserver
{
    ValueTask BeforeFillAsync(string tokenHash, CancellationToken cancellationToken);
}

internal sealed class NoValidationObserver : IValidationObserver
{
    public ValueTask BeforeFillAsync(string tokenHash, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
