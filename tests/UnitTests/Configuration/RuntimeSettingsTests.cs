using System.Text.Json;

namespace BlueTokens.UnitTests.Configuration;

/// <summary>
/// The runtime settings the deployed worker and LocalHost are built with (bench/RESULTS.md measures why): read
/// from the runtimeconfig.json files the build writes next to each entry assembly.
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("BlueTokens.Functions")]
    [InlineData("BlueTokens.LocalHost")]
    public void ThreadPoolWorkers_DoNotSpin(string assembly)
    {
        Assert.Equal(0, Settings(assembly).GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public void LocalHost_CollectsGarbageAsTheWorkerDoes()
    {
        // The worker is a console app: workstation GC unless it says otherwise; LocalHost (a web app) must say so.
        Assert.False(Settings("BlueTokens.Functions").TryGetProperty("System.GC.Server", out JsonElement worker) && worker.GetBoolean());
        Assert.False(Settings("BlueTokens.LocalHost").GetProperty("System.GC.Server").GetBoolean());
    }

    private static JsonElement Settings(string assembly)
    {
        string path = Path.Combine(AppContext.BaseDirectory, $"{assembly}.runtimeconfig.json");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
