using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.Functions.OpenApi;

/// <summary>
/// <c>GET /api/openapi.json</c>: the OpenAPI 3.1 description of the whole contract. The document is kept in the
/// repository at <c>docs/openapi.json</c> and embedded in this assembly, so the file and the served document
/// cannot differ; a test proves it matches the routes the functions serve and the bodies they write.
/// </summary>
internal sealed class GetOpenApi
{
    public const string ResourceName = "openapi.json";

    private static readonly byte[] Document = Load();

    [Function(nameof(GetOpenApi))]
    public static DocumentResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new DocumentResult(Document);

    private static byte[] Load()
    {
        using Stream stream = typeof(GetOpenApi).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} (docs/openapi.json) is missing from {typeof(GetOpenApi).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The document's bytes as they are in the repository, cacheable for five minutes.</summary>
    internal sealed class DocumentResult(byte[] document) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            HttpResponse response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = document.Length;
            response.Headers.CacheControl = "public, max-age=300";
            await response.Body.WriteAsync(document, httpContext.RequestAborted);
        }
    }
}
