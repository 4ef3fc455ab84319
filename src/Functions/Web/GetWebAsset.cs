using System.Text.RegularExpressions;
using BlueTokens.Core.Auth;
using BlueTokens.Core.Configuration;
using BlueTokens.Core.Expiry;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BlueTokens.Functions.Web;

/// <summary>
/// <c>GET /api/ui/{*asset}</c>: the Access Token Management page (<c>web/</c>, plain HTML, CSS and JavaScript
/// modules), <c>index.html</c> for <c>/api/ui/</c>. It lives under the route prefix because the Functions host
/// serves functions nowhere else; LocalHost also redirects <c>/</c> here. The page calls the API with the
/// administrator's bearer token; the files themselves are public and hold no secret. <c>/api/ui/config.json</c>
/// tells the page how to sign in (the identity provider and the page's client id, from <c>Auth__</c>, or whether it
/// takes a token from a <c>#token=</c> link) and when an expiry is near (<c>Expiry__WarningDays</c>).
/// </summary>
internal sealed partial class GetWebAsset(IOptions<AuthOptions> auth, IOptions<ExpiryOptions> expiry, IConfiguration configuration)
{
    public const string ConfigName = "config.json";

    // Both hosts route on the template; the file name is read from the path rather than bound as a route value,
    // because an empty catch-all ("/api/ui/") gives no route value that every host binds alike.
    // connect-src: the API, and the identity provider's origin when the page signs in there.
    private static string ContentSecurityPolicy(string? signInOrigins) =>
        $"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{(signInOrigins is null ? "" : " " + signInOrigins)}; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    [Function(nameof(GetWebAsset))]
    public Results<WebResult, ApiJson<WebConfig>, ApiProblem> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ui/{*asset}")] HttpRequest request)
    {
        string path = request.Path.Value ?? "";
        Match match = UiPath().Match(path);
        if (!match.Success)
        {
            return Problems.NotFound($"No file at {request.Path}.");
        }

        if (!match.Groups["asset"].Success)
        {
            // "/api/ui": the page's relative links need the folder form.
            return new WebResult(StatusCodes.Status302Found, null, request.PathBase + path + "/" + request.QueryString, null);
        }

        string name = match.Groups["asset"].Value;
        if (name == ConfigName)
        {
            return ApiJson.Ok(Config(), ApiJsonContext.Default.WebConfig).WithHeader("Cache-Control", "no-cache");
        }

        WebAsset? asset = WebAssets.Find(name.Length == 0 ? WebAssets.IndexName : name);
        if (asset is null)
        {
            return Problems.NotFound($"The page has no file named '{name}'.");
        }

        bool unchanged = request.Headers.IfNoneMatch
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries))
            .Any(tag => tag == asset.ETag || tag == "*");
        return new WebResult(unchanged ? StatusCodes.Status304NotModified : StatusCodes.Status200OK, asset, null, SignInOrigins());
    }

    private WebConfig Config()
    {
        AuthOptions options = auth.Value;
        WebSignIn? signIn = string.IsNullOrWhiteSpace(options.UiClientId)
            ? null
            : new WebSignIn(options.Authority!.TrimEnd('/'), options.UiClientId, options.UiScope);

        // A link that signs in is what ./run.sh prints for a developer. Anywhere else it is login CSRF: a link
        // carrying an attacker's JWT would sign the victim into the attacker's tenant, and they would work there.
        bool acceptLinkToken = signIn is null && RunSite.IsLocalRun(configuration);
        return new WebConfig(signIn, expiry.Value.WarningDays, acceptLinkToken);
    }

    /// <summary>The origins the page must be allowed to reach to sign in: the provider's (discovery, token endpoint) and any others configured.</summary>
    private string? SignInOrigins() =>
        !string.IsNullOrWhiteSpace(auth.Value.UiClientId) && Uri.TryCreate(auth.Value.Authority, UriKind.Absolute, out Uri? authority)
            ? string.Join(' ', auth.Value.UiConnectOrigins.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(origin => origin.TrimEnd('/'))
                .Prepend(authority.GetLeftPart(UriPartial.Authority))
                .Distinct(StringComparer.Ordinal))
            : null;

    [GeneratedRegex(@"^.*?/ui(?:/(?<asset>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex UiPath();

    /// <summary>A file of the page (200 or 304), or the redirect to the page's folder.</summary>
    internal sealed class WebResult(int status, WebAsset? asset, string? location, string? signInOrigins) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            HttpResponse response = httpContext.Response;
            response.StatusCode = status;
            response.Headers.XContentTypeOptions = "nosniff";
            if (location is not null)
            {
                response.Headers.Location = location;
                return;
            }

            // No build step means no content-hashed names: caches keep the files but ask again (the ETag makes
            // that a 304), so a deployment is seen at the next load.
            response.Headers.CacheControl = "no-cache";
            response.Headers.ETag = asset!.ETag;
            if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
            {
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(signInOrigins);
                response.Headers["Referrer-Policy"] = "no-referrer";
            }

            if (status == StatusCodes.Status304NotModified)
            {
                return;
            }

            response.ContentType = asset.ContentType;
            response.ContentLength = asset.Content.Length;
            await response.Body.WriteAsync(asset.Content, httpContext.RequestAborted);
        }
    }
}

/// <summary>What the page needs to know before it signs in; <paramref name="AcceptLinkToken"/> only in a local run.</summary>
internal sealed record WebConfig(WebSignIn? SignIn, int ExpiryWarningDays, bool AcceptLinkToken);

/// <summary>OpenID Connect sign-in for the page: the provider, the page's (public) client id, and the scopes.</summary>
internal sealed record WebSignIn(string Authority, string ClientId, string Scope);
