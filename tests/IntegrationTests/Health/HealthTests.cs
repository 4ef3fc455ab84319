using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Health;

[Collection(StackTests.Name)]
public sealed class HealthTests(StackFixture stack)
{
    [Fact]
    public async Task Health_Returns200WithBothChecksHealthy()
    {
        await using var host = new LocalHostFactory(stack);
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_Returns503NamingRedis_WhenRedisIsDown()
    {
        int closedPort = ServerProcess.FreePort();
        await using var host = new LocalHostFactory(stack, new Dictionary<string, string?> { ["Redis:ConnectionString"] = $"127.0.0.1:{closedPort}" });
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement checks = body.RootElement.GetProperty("checks");
        Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("unhealthy", checks.GetProperty("redis").GetProperty("status").GetString());
        Assert.Equal("healthy", checks.GetProperty("tableStorage").GetProperty("status").GetString());
        Assert.InRange(checks.GetProperty("redis").GetProperty("durationMs").GetInt64(), 0, 3_000);
    }

    [Fact]
    public async Task Health_Returns503NamingTableStorage_WhenStorageIsDown_WithoutLeakingTheConnectionString()
    {
        int closedPort = ServerProcess.FreePort();
        string storage = Regex.Replace(stack.StorageConnectionString, @"TableEndpoint=http://127\.0\.0\.1:\d+/", $"TableEndpoint=http://127.0.0.1:{closedPort}/");
        Assert.Contains($":{closedPort}/", storage, StringComparison.Ordinal);
        await using var host = new LocalHostFactory(stack, new Dictionary<string, string?> { ["TokenStorage"] = storage });
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("/api/health");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(text);
        Assert.Equal("unhealthy", body.RootElement.GetProperty("checks").GetProperty("tableStorage").GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        Assert.DoesNotContain("AccountKey", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
    }
}
