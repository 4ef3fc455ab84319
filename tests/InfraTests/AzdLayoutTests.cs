using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>The files azd reads agree with the template and the repository.</summary>
[Collection(CompiledInfra.Name)]
public sealed class AzdLayoutTests(BicepBuild build)
{
    [Fact]
    public void AzureYaml_DeclaresTheApiService_AsAFunctionFromSrcFunctions()
    {
        string[] lines = File.ReadAllLines(Path.Combine(build.RepositoryRoot, "azure.yaml")).Select(line => line.Trim()).ToArray();

        Assert.Contains("services:", lines);
        Assert.Contains("api:", lines);
        Assert.Contains("project: ./src/Functions", lines);
        Assert.Contains("language: dotnet", lines);
        Assert.Contains("host: function", lines);
        Assert.True(File.Exists(Path.Combine(build.RepositoryRoot, "src", "Functions", "BlueTokens.Functions.csproj")));
    }

    [Fact]
    public void MainParameters_NameOnlyTemplateParameters_AndEveryRequiredOne()
    {
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(build.RepositoryRoot, "infra", "main.parameters.json")));
        JsonElement given = file.RootElement.GetProperty("parameters");
        JsonElement declared = build.Root.GetProperty("parameters");

        foreach (JsonProperty parameter in given.EnumerateObject())
        {
            Assert.True(declared.TryGetProperty(parameter.Name, out _), $"main.parameters.json sets {parameter.Name}, which main.bicep does not declare");
        }

        foreach (JsonProperty parameter in declared.EnumerateObject().Where(p => !p.Value.TryGetProperty("defaultValue", out _)))
        {
            Assert.True(given.TryGetProperty(parameter.Name, out _), $"main.bicep requires {parameter.Name}, which main.parameters.json does not set");
        }

        Assert.Equal("${AZURE_ENV_NAME}", given.GetProperty("environmentName").GetProperty("value").GetString());
        Assert.Equal("${AZURE_LOCATION}", given.GetProperty("location").GetProperty("value").GetString());
    }

    [Fact]
    public void Outputs_GiveAzdTheFunctionApp()
    {
        JsonElement outputs = build.Root.GetProperty("outputs");

        Assert.True(outputs.TryGetProperty("AZURE_FUNCTION_NAME", out _));
        Assert.True(outputs.TryGetProperty("SERVICE_API_URI", out _));
        Assert.True(outputs.TryGetProperty("AZURE_LOCATION", out _));
    }

    [Fact]
    public void MainParameters_MapRedisSku_WithBalancedB0AsDefault_AndNoCapacity()
    {
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(build.RepositoryRoot, "infra", "main.parameters.json")));
        JsonElement given = file.RootElement.GetProperty("parameters");

        Assert.Equal("${REDIS_SKU=Balanced_B0}", given.GetProperty("redisSku").GetProperty("value").GetString());
        // Azure Managed Redis sizes by SKU alone; the capacity of Azure Cache for Redis is gone.
        Assert.False(given.TryGetProperty("redisCapacity", out _));
    }

    [Fact]
    public void Outputs_GiveTheManagedRedisEndpoint()
    {
        JsonElement outputs = build.Root.GetProperty("outputs");

        Assert.True(outputs.TryGetProperty("AZURE_REDIS_NAME", out _));
        Assert.Contains("outputs.endpoint", outputs.GetProperty("AZURE_REDIS_ENDPOINT").GetProperty("value").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PrivateNetworking_IsOffByDefault_AndMappedForAzd()
    {
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(build.RepositoryRoot, "infra", "main.parameters.json")));

        JsonElement parameter = build.Root.GetProperty("parameters").GetProperty("privateNetworking");
        Assert.Equal("bool", parameter.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.False, parameter.GetProperty("defaultValue").ValueKind);
        Assert.Equal("${PRIVATE_NETWORKING=false}", file.RootElement.GetProperty("parameters").GetProperty("privateNetworking").GetProperty("value").GetString());
    }
}
