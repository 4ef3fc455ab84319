using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace BlueTokens.Core.Auth;

/// <summary>
/// The identity provider's signing keys, read from its OIDC discovery document and refreshed by the library's
/// configuration manager (which keeps the last good document when a refresh fails and rate-limits refreshes).
/// </summary>
internal sealed partial class SigningKeyDiscovery(IConfigurationManager<OpenIdConnectConfiguration> manager, ILogger logger)
{
    public static SigningKeyDiscovery For(string? authority, ILogger logger)
    {
        string trimmed = authority?.TrimEnd('/') ?? "";
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out Uri? authorityUri))
        {
            throw new InvalidOperationException("Auth__Authority must be an absolute URL when Auth__SigningKey is not set.");
        }

        var documents = new HttpDocumentRetriever
        {
            // Plain http is only tolerated when the authority itself says so (a local identity provider).
            RequireHttps = authorityUri.Scheme == Uri.UriSchemeHttps,
        };
        var configurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
            $"{trimmed}/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), documents)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(12),
            RefreshInterval = TimeSpan.FromMinutes(5),
        };
        return new SigningKeyDiscovery(configurationManager, logger);
    }

    /// <summary>The current document, or null when none could be read yet (the caller answers 401, not 500).</summary>
    public async Task<OpenIdConnectConfiguration?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only before the first success: afterwards the manager serves the last good document.
            LogDiscoveryFailed(logger, ex);
            return null;
        }
    }

    /// <summary>A newer document than <paramref name="current"/> after asking for one (a key rotated since the last fetch), or null.</summary>
    public async Task<OpenIdConnectConfiguration?> RefreshAsync(OpenIdConnectConfiguration? current, CancellationToken cancellationToken)
    {
        manager.RequestRefresh();
        OpenIdConnectConfiguration? refreshed = await GetAsync(cancellationToken).ConfigureAwait(false);
        return refreshed is not null && !ReferenceEquals(refreshed, current) ? refreshed : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC discovery failed; admin requests are refused until the signing keys can be read")]
    private static partial void LogDiscoveryFailed(ILogger logger, Exception exception);
}
