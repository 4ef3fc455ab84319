using System.Collections.Frozen;
using System.Security.Cryptography;

namespace BlueTokens.Functions.Web;

/// <summary>One file of the page: its bytes, content type and a strong ETag of its content.</summary>
internal sealed record WebAsset(string Name, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The files of <c>web/</c> in the repository, embedded in this assembly as <c>web/{file}</c> (see the project
/// file): the page is served from the deployed code itself, so it cannot drift from the API it calls. The folder
/// is flat; a name that is not one of its files is simply not found, so no path can leave it.
/// </summary>
internal static class WebAssets
{
    public const string ResourcePrefix = "web/";

    public const string IndexName = "index.html";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, WebAsset>> All = new(Load);

    public static WebAsset? Find(string name) => All.Value.GetValueOrDefault(name);

    private static FrozenDictionary<string, WebAsset> Load()
    {
        var assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, WebAsset>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            string name = resource[ResourcePrefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out string? contentType))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] content = copy.ToArray();
            string etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 16))}\"";
            files[name] = new WebAsset(name, content, contentType, etag);
        }

        if (!files.ContainsKey(IndexName))
        {
            throw new InvalidOperationException($"The embedded resource {ResourcePrefix}{IndexName} (web/index.html) is missing from {assembly.GetName().Name}.");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
