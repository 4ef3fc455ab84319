namespace BlueTokens.Core.Auth;

internal enum AuthenticationStatus
{
    Authenticated,
    Unauthenticated,
    Forbidden,
}

/// <summary>
/// The outcome of checking a bearer token: the admin, or a short reason that is safe to return to the caller
/// (it never quotes the token).
/// </summary>
internal sealed record AuthenticationResult(AuthenticationStatus Status, Admin? Admin, string? Failure)
{
    public bool IsAuthenticated => Status == AuthenticationStatus.Authenticated;

    public static AuthenticationResult Success(Admin admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        return new AuthenticationResult(AuthenticationStatus.Authenticated, admin, null);
    }

    public static AuthenticationResult Unauthenticated(string reason) =>
        new(AuthenticationStatus.Unauthenticated, null, reason);

    public static AuthenticationResult Forbidden(string reason) =>
        new(AuthenticationStatus.Forbidden, null, reason);
}
