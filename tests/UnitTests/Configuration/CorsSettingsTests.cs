using System.Text.Json;
using BlueTokens.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BlueTokens.UnitTests.Configuration;

/// <summary>
/// <c>Cors__AllowedOrigins</c> takes exact origins only: anything a browser would never send as <c>Origin</c>
/// would silently match nothing, and a wildcard would let every site's pages call the management API.
/// </summary>
public sealed class CorsSettingsTests
{
    [Theory]
    [InlineData("*")]
    [InlineData("https://*.example.com")]
    [InlineData("https://blue.example.com,*")]
    [InlineData("https://blue.example.com/")] // trailing slash
    [InlineData("https://blue.example.com/app")] // a path
    [InlineData("https://blue.example.com?x=1")]
    [InlineData("https://Blue.Example.com")] // browsers send the host in lower case
    [InlineData("https://blue.example.com:443")] // ... and no default port
    [InlineData("https://admin@blue.example.com")]
    [InlineData("blue.example.com")] // no scheme
    [InlineData("ftp://blue.example.com")]
    [InlineData("null")]
    [InlineData("https://blue.example.com https://other.example.com")] // space-separated, not comma-separated
    public async Task Start_StopsOnAValueThatIsNotAListOfExactOrigins(string value)
    {
        using IHost host = Build(value);

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Setting Cors__AllowedOrigins:", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SaysWhatToWrite_ForAnOriginWrittenAsAUrl()
    {
        using IHost host = Build("https://blue.example.com/");

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("write https://blue.example.com.", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, new string[0])]
    [InlineData("", new string[0])]
    [InlineData("https://blue.example.com", new[] { "https://blue.example.com" })]
    [InlineData(" https://blue.example.com , http://localhost:5173,http://[::1]:8080 ", new[] { "https://blue.example.com", "http://localhost:5173", "http://[::1]:8080" })]
    [InlineData("https://blue.example.com,,", new[] { "https://blue.example.com" })]
    public async Task Start_AcceptsExactOrigins_TrimmedAndCommaSeparated(string? value, string[] origins)
    {
        using IHost host = Build(value);
        await host.StartAsync();

        Assert.Equal(origins, host.Services.GetRequiredService<IOptions<CorsOptions>>().Value.Origins);
        await host.StopAsync();
    }

    [Fact]
    public void SampleSettings_GiveFuncStartTheSameOriginsAsTheService()
    {
        // func start reads Host.CORS, the worker and LocalHost read Values.Cors__AllowedOrigins: the sample keeps them equal.
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "local.settings.sample.json")));

        string? service = sample.RootElement.GetProperty("Values").GetProperty("Cors__AllowedOrigins").GetString();
        string? functionsHost = sample.RootElement.GetProperty("Host").GetProperty("CORS").GetString();

        Assert.Equal(service, functionsHost);
    }

    private static IHost Build(string? origins) =>
        StartupValidationTests.Build(new Dictionary<string, string?>(StartupValidationTests.ValidSettings) { ["Cors:AllowedOrigins"] = origins });

    private static string RepositoryRoot()
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BlueTokenFunctions.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("BlueTokenFunctions.sln not found above the test binaries.");
    }
}
