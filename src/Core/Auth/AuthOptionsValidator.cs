using System.Text;
using BlueTokens.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace BlueTokens.Core.Auth;

internal sealed class AuthOptionsValidator(IConfiguration configuration) : SettingsValidator<AuthOptions>
{
    public const int MinimumSigningKeyBytes = 32;

    protected override void Check(AuthOptions options, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            fail("Auth__Issuer", "required: the `iss` every admin JWT must carry.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            fail("Auth__Audience", "required: the `aud` every admin JWT must carry.");
        }

        if (string.IsNullOrWhiteSpace(options.TenantClaim))
        {
            fail("Auth__TenantClaim", "must name the claim that carries the tenant (default tid).");
        }

        if (string.IsNullOrWhiteSpace(options.AdminRole))
        {
            fail("Auth__AdminRole", "must name the role that may manage tokens (default TokenAdmin).");
        }

        bool hasKey = !string.IsNullOrEmpty(options.SigningKey);
        if (hasKey && RunSite.InAzure(configuration))
        {
            // Whatever AZURE_FUNCTIONS_ENVIRONMENT says: a shared HS256 key lets whoever holds it be admin of any tenant.
            fail("Auth__SigningKey", "a development signing key is refused in Azure (WEBSITE_INSTANCE_ID or WEBSITE_SITE_NAME is set); set Auth__Authority instead.");
        }
        else if (hasKey && RunSite.IsProduction(configuration))
        {
            fail("Auth__SigningKey", "a development signing key is refused where AZURE_FUNCTIONS_ENVIRONMENT is Production; set Auth__Authority instead.");
        }
        else if (hasKey && options.SigningKey == SampleSecrets.SigningKey && !RunSite.IsLocalRun(configuration))
        {
            fail("Auth__SigningKey", "the key from local.settings.sample.json is public and accepted only in a local run "
                + "(AZURE_FUNCTIONS_ENVIRONMENT=Development, outside Azure).");
        }
        else if (hasKey && Encoding.UTF8.GetByteCount(options.SigningKey!) < MinimumSigningKeyBytes)
        {
            fail("Auth__SigningKey", $"must be at least {MinimumSigningKeyBytes} bytes of UTF-8.");
        }

        bool hasAuthority = Uri.TryCreate(options.Authority, UriKind.Absolute, out Uri? authority);
        if (!hasKey && !hasAuthority)
        {
            fail("Auth__Authority", "required (an absolute https URL of the identity provider) unless Auth__SigningKey is set for development.");
        }
        else if (hasAuthority && authority!.Scheme != Uri.UriSchemeHttps && !RunSite.IsLocalRun(configuration))
        {
            // Keys fetched over plain http can be swapped by anyone on the path; only a local identity provider may use it.
            fail("Auth__Authority", "must be an https URL outside a local run (AZURE_FUNCTIONS_ENVIRONMENT=Development, outside Azure).");
        }

        if (!string.IsNullOrWhiteSpace(options.UiClientId) && !Uri.TryCreate(options.Authority, UriKind.Absolute, out _))
        {
            fail("Auth__Authority", "required (an absolute URL of the identity provider) when Auth__UiClientId is set: the page signs in there.");
        }

        if (!string.IsNullOrWhiteSpace(options.UiClientId) && string.Equals(options.UiClientId.Trim(), options.Audience.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            // An ID token's aud is the page's client id: with that audience the page's ID token would pass as an admin JWT.
            fail("Auth__Audience", "must not be Auth__UiClientId: the page's ID tokens carry that audience. Use the API's own (for example api://<api-app-id>).");
        }

        string[] scopes = options.UiScope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (!string.IsNullOrWhiteSpace(options.UiClientId)
            && (!scopes.Contains("openid") || scopes.All(scope => AuthOptions.IdentityScopes.Contains(scope))))
        {
            fail("Auth__UiScope", "required when Auth__UiClientId is set: openid and the API's scope, so that the page gets an access token for "
                + "Auth__Audience (for example `openid profile api://<api-app-id>/<scope>`).");
        }

        foreach (string origin in options.UiConnectOrigins.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "http")
                || uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/'))
            {
                fail("Auth__UiConnectOrigins", $"'{origin}' is not an origin (scheme, host and port only, e.g. https://oauth2.googleapis.com).");
            }
            else if (uri.Scheme != Uri.UriSchemeHttps && !RunSite.IsLocalRun(configuration))
            {
                // The page sends codes and tokens there: over plain http anyone on the path could read them.
                fail("Auth__UiConnectOrigins", $"'{origin}' must be https outside a local run (AZURE_FUNCTIONS_ENVIRONMENT=Development, outside Azure).");
            }
        }
    }
}
