using System.Text.RegularExpressions;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.Web;

/// <summary>
/// <c>GET /api/ui/{*asset}</c>: the Access Token Management page (<c>web/</c>, plain HTML, CSS and JavaScript
/// modules), <c>index.html</c> for <c>/api/ui/</c>. It lives under the route prefix because the Functions host
/// serves functions nowhere else; LocalHost also redirects <c>/</c> here. The page calls the API with the
/// administrator's bearer token; the files themselves are public and hold no secret.
/// </summary>
internal sealed partial class GetWebAsset
{
    // Both hosts route on the template; the file name is read from the path rather than bound as a route value,
    // because an empty catch-all ("/api/ui/") gives no route value that every host binds alike.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    [Function(nameof(GetWebAsset))]
    public static IActionResult Run(
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
            return new WebResult(StatusCodes.Status302Found, null, request.PathBase + path + "/" + request.QueryString);
        }

        string name = match.Groups["asset"].Value;
        WebAsset? asset = WebAssets.Find(name.Length == 0 ? WebAssets.IndexName : name);
        if (asset is null)
        {
            return Problems.NotFound($"The page has no file named '{name}'.");
        }

        bool unchanged = request.Headers.IfNoneMatch
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.TrimEntries))
            .Any(tag => tag == asset.ETag || tag == "*");
        return new WebResult(unchanged ? StatusCodes.Status304NotModified : StatusCodes.Status200OK, asset, null);
    }

    [GeneratedRegex(@"^.*?/ui(?:/(?<asset>.*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex UiPath();

    /// <summary>A file of the page (200 or 304), or the redirect to the page's folder.</summary>
    private sealed class WebResult(int status, WebAsset? asset, string? location) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            HttpResponse response = context.HttpContext.Response;
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
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                response.Headers["Referrer-Policy"] = "no-referrer";
            }

            if (status == StatusCodes.Status304NotModified)
            {
                return;
            }

            response.ContentType = asset.ContentType;
            response.ContentLength = asset.Content.Length;
            await response.Body.WriteAsync(asset.Content, context.HttpContext.RequestAborted);
        }
    }
}
