namespace BlueTokens.Core.Auth;

/// <summary>Settings under <c>Auth__</c>: who may call the management API.</summary>
internal sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The OIDC authority whose discovery document gives the signing keys (production).</summary>
    public string? Authority { get; set; }

    public string Issuer { get; set; } = "";

    public string Audience { get; set; } = "";

    /// <summary>HS256 key for development only; refused in Azure and in Production (see <see cref="AuthOptionsValidator"/>).</summary>
    public string? SigningKey { get; set; }

    public string TenantClaim { get; set; } = "tid";

    public string AdminRole { get; set; } = "TokenAdmin";

    /// <summary>
    /// The client id the Access Token Management page signs in with at <see cref="Authority"/> (OpenID Connect,
    /// authorization code with PKCE, a public client: no secret). Unset: the page asks for a pasted bearer token.
    /// </summary>
    public string? UiClientId { get; set; }

    /// <summary>
    /// The scopes the page asks for: <c>openid</c> and the API's own scope, so that the access token is for
    /// <see cref="Audience"/> (with only the OpenID scopes, Microsoft Entra ID issues a token for Microsoft Graph).
    /// </summary>
    public string UiScope { get; set; } = "";

    /// <summary>
    /// Origins besides the authority's that the page must reach to sign in (space-separated), where the provider's
    /// token endpoint lives elsewhere (Google: https://oauth2.googleapis.com). The page's CSP allows only these.
    /// </summary>
    public string UiConnectOrigins { get; set; } = "";

    /// <summary>The OpenID Connect scopes that say who signs in but give no access to an API.</summary>
    public static readonly string[] IdentityScopes = ["openid", "profile", "email", "offline_access", "address", "phone"];
}
