using System.Diagnostics;
using System.Globalization;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// Redis is a cache that may freeze, stop or lose everything at any moment: validation stays correct from
/// Table Storage, recovers by itself, and a revocation that Redis missed is replayed before it can matter.
/// These tests freeze and stop the fixture's own redis-server and always leave it running.
/// </summary>
[Collection(StackTests.Name)]
public sealed class RedisFaultTests(StackFixture stack, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private LocalHostFactory _hostA = null!;
    private LocalHostFactory _hostB = null!;
    private RedisServer _redis = null!;

    public Task InitializeAsync()
    {
        _redis = stack.Redis ?? throw new InvalidOperationException("Redis fault tests need the redis-server the fixture starts (BLUE_TEST_REDIS is set).");
        _hostA = new LocalHostFactory(stack);
        _hostB = new LocalHostFactory(stack);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _redis.Thaw();
        if (!await ServerProcess.IsListeningAsync(_redis.Port))
        {
            await _redis.StartAsync();
        }

        await _hostA.DisposeAsync();
        await _hostB.DisposeAsync();
    }

    [Fact]
    public async Task FrozenDuringADisable_TheTokenIsRefusedWithinFiveSecondsOfRedisReturning()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();

        _redis.Freeze();
        Stopwatch revoke = Stopwatch.StartNew();
        try
        {
            using HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{client.Id}/disable");
            disabled.EnsureSuccessStatusCode();
            revoke.Stop();

            // While Redis is frozen, validation answers from the table: already refused.
            Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
        }
        finally
        {
            _redis.Thaw();
        }

        Stopwatch sinceThaw = Stopwatch.StartNew();
        string outcome = "";
        while (sinceThaw.Elapsed < TimeSpan.FromSeconds(10))
        {
            outcome = (await connector.ValidateAsync(client.Token)).Outcome;
            if (outcome == "disabled")
            {
                break;
            }

            await Task.Delay(50);
        }

        output.WriteLine($"disable with Redis frozen: {revoke.Elapsed.TotalMilliseconds:0} ms; refused {sinceThaw.Elapsed.TotalMilliseconds:0} ms after Redis returned");
        Assert.Equal("disabled", outcome);
        Assert.True(sinceThaw.Elapsed < TimeSpan.FromSeconds(5), $"refused only after {sinceThaw.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(revoke.Elapsed < TimeSpan.FromSeconds(5), $"the disable took {revoke.Elapsed.TotalMilliseconds:0} ms with Redis frozen");

        // And it stays refused: the stale entry is gone from Redis, not merely outvoted for a moment.
        await Task.Delay(500);
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task Stopped_ValidationAnswersCorrectlyFromTheTable_QuicklyAfterTheFirstFailures_AndRecoversWhenRedisReturns()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();
        AdminApi.Created other = await admin.CreateAsync("JDBC");

        await _redis.StopAsync();
        try
        {
            // A change made while Redis is down must still hold once it returns (it restarts empty here, but
            // a Redis that was only unreachable would still hold the old entry: the pending write covers that).
            (await admin.PostAsync($"/api/clients/{other.Id}/disable")).EnsureSuccessStatusCode();

            var latencies = new List<double>();
            for (int i = 0; i < 20; i++)
            {
                Stopwatch call = Stopwatch.StartNew();
                Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
                Assert.Equal("disabled", (await connector.ValidateAsync(other.Token)).Outcome);
                latencies.Add(call.Elapsed.TotalMilliseconds);
            }

            // The first calls may wait for a Redis timeout; after that the circuit keeps them away from it.
            double slowestAfterWarmUp = latencies.Skip(5).Max();
            output.WriteLine($"validate pair with Redis down: first {latencies[0]:0} ms, slowest after 5 calls {slowestAfterWarmUp:0} ms, median {latencies.Order().ElementAt(latencies.Count / 2):0.0} ms");
            Assert.True(slowestAfterWarmUp < 250, $"validate pair took up to {slowestAfterWarmUp:0} ms with Redis down");
        }
        finally
        {
            await _redis.StartAsync();
        }

        await using RedisProbe probe = await RedisProbe.ConnectAsync(stack.RedisConnectionString);
        Stopwatch recovery = Stopwatch.StartNew();
        bool cached = false;
        while (!cached && recovery.Elapsed < TimeSpan.FromSeconds(15))
        {
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
            Assert.Equal("disabled", (await connector.ValidateAsync(other.Token)).Outcome);
            cached = !(await probe.GetAsync(RedisProbe.TokenKey(client.Token))).IsNull;
            await Task.Delay(100);
        }

        Assert.True(cached, "the cache did not refill after Redis returned");
        await Task.Delay(TimeSpan.Parse(LocalHostFactory.LocalLease, CultureInfo.InvariantCulture) * 2); // past the local answer's lease
        Dictionary<string, long> before = await probe.CommandCountsAsync();
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal(["get=1"], RedisProbe.Delta(before, await probe.CommandCountsAsync())); // a hit again: one Redis call
    }

    [Fact]
    public async Task FlushAll_EveryValidTokenStillValidates_AndRevokedOnesStayRevoked()
    {
        (AdminApi admin, AdminApi.Created client, Connector connector) = await WarmAsync();
        AdminApi.Created disabled = await admin.CreateAsync("Disabled");
        (await admin.PostAsync($"/api/clients/{disabled.Id}/disable")).EnsureSuccessStatusCode();
        AdminApi.Created deleted = await admin.CreateAsync("Deleted");
        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{deleted.Id}")).EnsureSuccessStatusCode();

        await using (RedisProbe probe = await RedisProbe.ConnectAsync(stack.RedisConnectionString))
        {
            await probe.FlushAllAsync();
        }

        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("disabled", (await connector.ValidateAsync(disabled.Token)).Outcome);
        Assert.Equal("invalid_token", (await connector.ValidateAsync(deleted.Token)).Outcome);
    }

    private async Task<(AdminApi Admin, AdminApi.Created Client, Connector Connector)> WarmAsync()
    {
        var admin = new AdminApi(_hostA.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        var connector = new Connector(_hostB.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        return (admin, client, connector);
    }
}
