namespace BlueTokens.Core.Configuration;

/// <summary>
/// Settings under <c>Cors__</c>: the browser origins (the BLUE interface's) whose pages may call the management
/// API. Azure's platform CORS, <c>func start</c>'s <c>Host.CORS</c> and LocalHost's CORS middleware all take this
/// list; the service itself only refuses a list that is not one.
/// </summary>
internal sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>Comma-separated origins, each exactly <c>scheme://host[:port]</c>; unset or empty: none.</summary>
    public string? AllowedOrigins { get; set; }

    /// <summary>The origins, trimmed, without empty entries.</summary>
    public IReadOnlyList<string> Origins =>
        (AllowedOrigins ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class CorsOptionsValidator : SettingsValidator<CorsOptions>
{
    protected override void Check(CorsOptions options, Action<string, string> fail)
    {
        foreach (string origin in options.Origins)
        {
            if (Problem(origin) is { } problem)
            {
                fail("Cors__AllowedOrigins", $"'{origin}' {problem}");
            }
        }
    }

    /// <summary>
    /// Null where the text is an origin exactly as a browser sends it in <c>Origin</c>: CORS compares the two as
    /// strings, so anything else (a trailing slash, upper case, a default port) would silently match nothing.
    /// </summary>
    private static string? Problem(string origin)
    {
        if (origin.Contains('*', StringComparison.Ordinal))
        {
            // A wildcard lets every site's pages call the API with whatever token they hold; name each origin.
            return "is a wildcard; name each origin exactly (scheme://host[:port]).";
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
        {
            return "is not an origin: scheme://host[:port], with http or https, e.g. https://blue.example.com.";
        }

        string exact = uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        return string.Equals(origin, exact, StringComparison.Ordinal)
            ? null
            : $"is not an origin as a browser sends it (no path or trailing slash, lower case, no default port): write {exact}.";
    }
}
