using BlueTokens.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace BlueTokens.Core.SecretScanning;

/// <summary>
/// Settings under <c>SecretScanning__</c>: where GitHub's secret scanning public keys are read, and how they are
/// kept. Without <see cref="KeysUrl"/> the report endpoint is off (404).
/// </summary>
internal sealed class SecretScanningOptions
{
    public const string Section = "SecretScanning";

    /// <summary>The public keys document, such as <c>https://api.github.com/meta/public_keys/secret_scanning</c>.</summary>
    public string? KeysUrl { get; set; }

    /// <summary>How long a fetched keys document is used before it is fetched again.</summary>
    public TimeSpan KeysCacheLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a fetch may take; past it the report waiting on it is refused as unsigned.</summary>
    public TimeSpan KeysFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least time between two fetches: an unknown key identifier is fetched again once, but no more often than
    /// this, so that reports with made-up identifiers cannot make the service hammer the keys URL.
    /// </summary>
    public TimeSpan KeysRefetchInterval { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(KeysUrl);
}

internal sealed class SecretScanningOptionsValidator(IConfiguration configuration) : SettingsValidator<SecretScanningOptions>
{
    protected override void Check(SecretScanningOptions options, Action<string, string> fail)
    {
        if (options.Enabled)
        {
            if (!Uri.TryCreate(options.KeysUrl, UriKind.Absolute, out Uri? url) || url.Scheme is not ("https" or "http"))
            {
                fail("SecretScanning__KeysUrl", "must be an absolute https URL, such as https://api.github.com/meta/public_keys/secret_scanning (or unset, which turns the report endpoint off).");
            }
            else if (url.Scheme == Uri.UriSchemeHttp && !(url.IsLoopback && RunSite.IsLocalRun(configuration)))
            {
                // Keys read over plain http can be swapped by anyone on the path, and with them every report's signature.
                fail("SecretScanning__KeysUrl", "must be https; http is taken only for a loopback address in a local run (AZURE_FUNCTIONS_ENVIRONMENT=Development, outside Azure).");
            }
        }

        if (options.KeysCacheLifetime < TimeSpan.FromMinutes(1) || options.KeysCacheLifetime > TimeSpan.FromDays(1))
        {
            fail("SecretScanning__KeysCacheLifetime", "must be between 00:01:00 and 1.00:00:00.");
        }

        if (options.KeysFetchTimeout < TimeSpan.FromMilliseconds(100) || options.KeysFetchTimeout > TimeSpan.FromSeconds(30))
        {
            fail("SecretScanning__KeysFetchTimeout", "must be between 00:00:00.1 and 00:00:30.");
        }

        if (options.KeysRefetchInterval < TimeSpan.FromSeconds(1) || options.KeysRefetchInterval > TimeSpan.FromMinutes(10))
        {
            fail("SecretScanning__KeysRefetchInterval", "must be between 00:00:01 and 00:10:00.");
        }
    }
}
