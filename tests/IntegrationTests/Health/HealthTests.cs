using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>
    /// Health is anonymous and a probe costs about ten Redis commands and a table query: calls that come while a
    /// probe runs share it (its table query is held here until all have arrived), and its report answers for two
    /// seconds after it ends (the host's clock, moved by the test).
    /// </summary>
    [Fact]
    public async Task Health_ConcurrentCallsShareOneProbe_AndItsReportAnswersForTwoSeconds()
    {
        var tableQueries = new TableListGate();
        await using var baseHost = new LocalHostFactory(stack);
        ClockedHost host = ClockedHost.Over(baseHost, services: services => services.AddSingleton(tableQueries.CreateClient(stack.StorageConnectionString)));
        using HttpClient client = host.Factory.CreateClient();
        await using RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode); // connections and scripts warm
        host.Clock.Advance(TimeSpan.FromSeconds(2));

        // One probe alone: what it costs.
        Dictionary<string, long> before = await redis.CommandCountsAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
        string[] oneProbe = Probing(RedisProbe.Delta(before, await redis.CommandCountsAsync()));
        // The validate path's own commands on a probe key, on both connections (today del, evalsha, get and time).
        Assert.Contains(oneProbe, command => command.StartsWith("evalsha=", StringComparison.Ordinal));
        Assert.Contains(oneProbe, command => command.StartsWith("get=", StringComparison.Ordinal));
        Assert.Equal(2, tableQueries.Count);

        // Twenty at once, while a probe is held in its table query: one probe, the same cost.
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        tableQueries.Hold();
        before = await redis.CommandCountsAsync();
        Task<HttpResponseMessage>[] calls = [.. Enumerable.Range(0, 20).Select(_ => client.GetAsync("/api/health"))];
        await tableQueries.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300); // the other nineteen arrive while it is held
        tableQueries.Release();
        HttpResponseMessage[] answers = await Task.WhenAll(calls);

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        Assert.Equal(3, tableQueries.Count);
        Assert.Equal(oneProbe, Probing(RedisProbe.Delta(before, await redis.CommandCountsAsync())));

        // Within two seconds of its end the report answers alone; at two seconds a new probe runs.
        host.Clock.Advance(TimeSpan.FromMilliseconds(1_999));
        before = await redis.CommandCountsAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
        Assert.Empty(Probing(RedisProbe.Delta(before, await redis.CommandCountsAsync())));
        Assert.Equal(3, tableQueries.Count);
        host.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health")).StatusCode);
        Assert.Equal(4, tableQueries.Count);
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

    /// <summary>The commands of a probe, without a client library's keep-alives (PING, ECHO), which come when they will.</summary>
    private static string[] Probing(string[] delta) =>
        [.. delta.Where(command => !command.StartsWith("ping=", StringComparison.Ordinal) && !command.StartsWith("echo=", StringComparison.Ordinal))];

    /// <summary>
    /// Counts the service's table listings (the health probe's query; nothing else lists tables) and, once armed,
    /// holds them until released: an Azure SDK pipeline policy on the service's own TableServiceClient.
    /// </summary>
    private sealed class TableListGate : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _release;
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task Reached => _reached.Task;

        public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release?.TrySetResult();

        public TableServiceClient CreateClient(string connectionString)
        {
            var options = new TableClientOptions();
            options.AddPolicy(this, HttpPipelinePosition.PerCall);
            return new TableServiceClient(connectionString, options);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            IsListing(message);
            ProcessNext(message, pipeline);
        }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (IsListing(message) && _release is { } release)
            {
                _reached.TrySetResult();
                await release.Task;
            }

            await ProcessNextAsync(message, pipeline);
        }

        private bool IsListing(HttpMessage message)
        {
            bool listing = message.Request.Method == RequestMethod.Get && message.Request.Uri.Path.EndsWith("/Tables", StringComparison.Ordinal);
            if (listing)
            {
                Interlocked.Increment(ref _count);
            }

            return listing;
        }
    }
}
