namespace BlueTokens.Core.Auth;

/// <summary>Settings under <c>Auth__</c>: who may call the management API.</summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The OIDC authority whose discovery document gives the signing keys (production).</summary>
    public string? Authority { get; set; }

    public string Issuer { get; set; } = "";

    public string Audience { get; set; } = "";

    /// <summary>HS256 key for development only; refused where AZURE_FUNCTIONS_ENVIRONMENT is Production.</summary>
    public string? SigningKey { get; set; }

    public string TenantClaim { get; set; } = "tid";

    public string AdminRole { get; set; } = "TokenAdmin";

    /// <summary>
    /// The client id the Access Token Management page signs in with at <see cref="Authority"/> (OpenID Connect,
    /// authorization code with PKCE, a public client: no secret). Unset: the page asks for a pasted bearer token.
    /// </summary>
    public string? UiClientId { get; set; }

    /// <summary>The scopes the page asks for; they must yield an access token for <see cref="Audience"/>.</summary>
    public string UiScope { get; set; } = "openid profile";
}
