using BlueTokens.LocalHost;
using Microsoft.Extensions.Configuration;

namespace BlueTokens.UnitTests.LocalHost;

public sealed class LocalSettingsTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"local.settings.{Guid.NewGuid():N}.json");

    [Fact]
    public void Read_TakesValuesWithDoubleUnderscoreAsSectionSeparator()
    {
        File.WriteAllText(_path, """
            { "IsEncrypted": false, "Values": { "Tokens__DefaultLifetimeDays": "30", "TokenStorage": "UseDevelopmentStorage=true", "Number": 5 } }
            """);

        IReadOnlyDictionary<string, string?> values = LocalSettings.Read(_path);

        Assert.Equal("30", values["Tokens:DefaultLifetimeDays"]);
        Assert.Equal("UseDevelopmentStorage=true", values["TokenStorage"]);
        Assert.Equal("5", values["Number"]);
    }

    [Fact]
    public void AddBelowEnvironment_LetsAnEnvironmentVariableOverrideTheFile()
    {
        string variable = $"BLUE_TEST_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable($"{variable}__Setting", "from-environment");
        try
        {
            var builder = new ConfigurationBuilder().AddEnvironmentVariables();
            LocalSettings.AddBelowEnvironment(builder, new Dictionary<string, string?>
            {
                [$"{variable}:Setting"] = "from-file",
                [$"{variable}:Other"] = "from-file",
            });

            IConfigurationRoot configuration = builder.Build();

            Assert.Equal("from-environment", configuration[$"{variable}:Setting"]);
            Assert.Equal("from-file", configuration[$"{variable}:Other"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable($"{variable}__Setting", null);
        }
    }

    public void Dispose() => File.Delete(_path);
}
