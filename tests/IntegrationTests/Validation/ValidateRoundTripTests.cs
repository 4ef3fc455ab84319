using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// Round trips per validate, counted exactly: a hit is one Redis call and no table request; a miss at most two
/// table point reads and one Redis write after its read; junk asks no store and reads no cache entry (its
/// failure is counted against the source's budget: one INCR).
/// </summary>
[Collection(StackTests.Name)]
public sealed class ValidateRoundTripTests(StackFixture stack) : IAsyncLifetime
{
    private readonly StorageRequestCounter _table = new();
    private LocalHostFactory _baseHost = null!;
    private WebApplicationFactory<LocalHostEntryPoint> _host = null!;
    private RedisProbe _redis = null!;
    private AdminApi.Created _client = null!;
    private Connector _connector = null!;

    public async Task InitializeAsync()
    {
        _baseHost = new LocalHostFactory(stack, LocalHostFactory.NoLocalAnswers); // the Redis path, counted
        _host = _baseHost.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(_table.CreateClient(stack.StorageConnectionString))));
        _host.Server.PreserveExecutionContext = true; // so the counter's scope flows into the request
        _redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString);
        var admin = new AdminApi(_host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        _client = await admin.CreateAsync("BI");
        _connector = new Connector(_host.CreateClient());
        Assert.Equal("valid", (await _connector.ValidateAsync(_client.Token)).Outcome); // connections warm
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _baseHost.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Hit_IsOneRedisGetAndNoTableRequest()
    {
        (int table, string[] redis) = await CountAsync(() => _connector.ValidateAsync(_client.Token), "valid");
        Assert.Equal(0, table);
        Assert.Equal(["get=1"], redis); // the token's entry alone: one plain command on one slot
    }

    [Fact]
    public async Task LocalHit_IsNoRoundTripAtAll()
    {
        await using var local = new LocalHostFactory(stack, new Dictionary<string, string?> { ["Cache:LocalLease"] = "00:00:01" });
        var connector = new Connector(local.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(_client.Token)).Outcome); // read from Redis, held for a second

        Dictionary<string, long> before = await _redis.CommandCountsAsync();
        Assert.Equal("valid", (await connector.ValidateAsync(_client.Token)).Outcome);
        Assert.Empty(RedisProbe.Delta(before, await _redis.CommandCountsAsync()));
    }

    [Fact]
    public async Task Miss_IsTwoTablePointReadsThenOneRedisWrite()
    {
        await _redis.DeleteAsync(RedisProbe.TokenKey(_client.Token));

        (int table, string[] redis) = await CountAsync(() => _connector.ValidateAsync(_client.Token), "valid");

        Assert.Equal(2, table);
        Assert.Equal(["GET", "GET"], _table.Requests.Select(request => request.Split(' ')[0]));
        // The read that missed; the source's budget (one script: GET, PTTL) and Redis's clock with the bucket's
        // generation (one script), asked together before the table read; and the fill (a script that reads, then sets).
        // time=2: one before the table read, one inside the fill's deadline check. get=5: the read that missed; the
        // budget and the generation before the table read; the generation and the entry in the fill. set=1: the fill
        // alone (the bucket's generation is there since the create's write). eval=3: the three scripts, each of which
        // the client library also sends as a SCRIPT LOAD.
        Assert.Equal(["eval=3", "get=5", "pttl=1", "script|load=3", "set=1", "time=2"], redis);
        Assert.False((await _redis.GetAsync(RedisProbe.TokenKey(_client.Token))).IsNull);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdM")] // bad checksum
    [InlineData("")]
    public async Task Junk_AsksNoStoreAndReadsNoCacheEntry(string junk)
    {
        (int table, string[] redis) = await CountAsync(() => _connector.ValidateAsync(junk), "invalid_token");
        Assert.Equal(0, table);
        Assert.DoesNotContain(redis, command => command.StartsWith("get=", StringComparison.Ordinal) || command.StartsWith("mget=", StringComparison.Ordinal));
        // Only its failure is counted against the source's budget (one script: INCR, PTTL, and a PEXPIRE where this
        // failure opens the source's window, which an earlier test's may have opened already).
        Assert.Equal(["eval=1", "incr=1", "pttl=1", "script|load=1"], redis.Where(command => !command.StartsWith("pexpire=", StringComparison.Ordinal)));
        Assert.DoesNotContain(redis, command => command.StartsWith("pexpire=", StringComparison.Ordinal) && command != "pexpire=1");
    }

    private async Task<(int Table, string[] Redis)> CountAsync(Func<Task<Connector.Answer>> validate, string expected)
    {
        Dictionary<string, long> before = await _redis.CommandCountsAsync();
        using (_table.Measure())
        {
            Assert.Equal(expected, (await validate()).Outcome);
        }

        int table = _table.Count;
        return (table, RedisProbe.Delta(before, await _redis.CommandCountsAsync()));
    }
}
