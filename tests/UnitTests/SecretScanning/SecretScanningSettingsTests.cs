using BlueTokens.UnitTests.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.SecretScanning;

/// <summary>
/// <c>SecretScanning__KeysUrl</c> is checked at start-up: an absolute https URL, or http only to a loopback address in
/// a local run (keys read over plain http could be swapped, and with them every report's signature); unset turns the
/// report endpoint off. Its timings have bounds.
/// </summary>
public sealed class SecretScanningSettingsTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("https://api.github.com/meta/public_keys/secret_scanning", null)]
    [InlineData("http://127.0.0.1:5000/keys", "Development")]
    [InlineData("http://[::1]:5000/keys", "Development")]
    public async Task Start_AcceptsAKeysUrl_ThatIsHttpsOrLocal(string? url, string? environment)
    {
        using IHost host = Build(url, environment);
        await host.StartAsync();
        await host.StopAsync();
    }

    [Theory]
    [InlineData("api.github.com/meta/public_keys/secret_scanning", "Development")] // not absolute
    [InlineData("ftp://keys.example.test/keys", "Development")]
    [InlineData("http://keys.example.test/keys", "Development")] // plain http off this machine
    [InlineData("http://127.0.0.1:5000/keys", null)] // plain http outside a local run
    public async Task Start_StopsOnAKeysUrlThatCouldBeSwapped(string url, string? environment)
    {
        using IHost host = Build(url, environment);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Setting SecretScanning__KeysUrl:", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SecretScanning:KeysCacheLifetime", "00:00:10", "SecretScanning__KeysCacheLifetime")]
    [InlineData("SecretScanning:KeysFetchTimeout", "00:05:00", "SecretScanning__KeysFetchTimeout")]
    [InlineData("SecretScanning:KeysRefetchInterval", "00:00:00", "SecretScanning__KeysRefetchInterval")]
    public async Task Start_StopsOnKeyTimingsOutOfBounds(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>(StartupValidationTests.ValidSettings) { [key] = value };
        using IHost host = StartupValidationTests.Build(settings);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains($"Setting {named}:", failure.Message, StringComparison.Ordinal);
    }

    private static IHost Build(string? url, string? environment) =>
        StartupValidationTests.Build(new Dictionary<string, string?>(StartupValidationTests.ValidSettings)
        {
            ["SecretScanning:KeysUrl"] = url,
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = environment,
        });
}
