namespace BlueTokens.Core.Clients;

/// <summary>Why a management operation did not happen; each kind maps to one code of the contract.</summary>
internal enum FailureKind
{
    Validation,
    InvalidQuery,
    NotFound,
    NameTaken,
    ClientLimitReached,
    PreconditionFailed,
    TokenLeaked,
}

internal sealed record Failure(FailureKind Kind, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static Failure NotFound(string clientId) => new(FailureKind.NotFound, $"No client '{clientId}' exists.");

    public static Failure Invalid(string field, string message) =>
        new(FailureKind.Validation, "The request has invalid fields.", new Dictionary<string, string[]> { [field] = [message] });

    public static Failure Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(FailureKind.Validation, "The request has invalid fields.", errors);
}

/// <summary>The value of an operation that succeeded, or the failure that stopped it (and changed nothing).</summary>
internal readonly record struct Outcome<T>(T? Value, Failure? Failure)
{
    public bool Succeeded => Failure is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Failure failure) => new(default, failure);
}
