using BlueTokens.IntegrationTests.Infrastructure;
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
    private WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> _host = null!;
    private RedisProbe _redis = null!;
    private AdminApi.Created _client = null!;
    private Connector _connector = null!;

    public async Task InitializeAsync()
    {
        _baseHost = new LocalHostFactory(stack);
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
    public async Task Hit_IsOneRedisCallAndNoTableRequest()
    {
        (int table, long scripts, long gets) = await CountAsync(() => _connector.ValidateAsync(_client.Token), "valid");
        Assert.Equal(0, table);
        Assert.Equal(1, scripts);
        Assert.Equal(2, gets); // the token's entry and the source's budget, in that one call
    }

    [Fact]
    public async Task Miss_IsTwoTablePointReadsThenOneRedisWrite()
    {
        await _redis.DeleteAsync(RedisProbe.TokenKey(_client.Token));

        (int table, long scripts, _) = await CountAsync(() => _connector.ValidateAsync(_client.Token), "valid");

        Assert.Equal(2, table);
        Assert.Equal(["GET", "GET"], _table.Requests.Select(request => request.Split(' ')[0]));
        Assert.Equal(2, scripts); // the read that missed, and the fill
        Assert.False((await _redis.GetAsync(RedisProbe.TokenKey(_client.Token))).IsNull);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("blue_0123456789ABCDEFGHIJKLMNOPQRSTUV1ggZdM")] // bad checksum
    [InlineData("")]
    public async Task Junk_AsksNoStoreAndReadsNoCacheEntry(string junk)
    {
        (int table, long scripts, long gets) = await CountAsync(() => _connector.ValidateAsync(junk), "invalid_token");
        Assert.Equal(0, table);
        Assert.Equal(0, gets); // no token entry is read
        Assert.Equal(1, scripts); // only its failure is counted: one INCR against the source's budget
    }

    private async Task<(int Table, long Scripts, long Gets)> CountAsync(Func<Task<Connector.Answer>> validate, string expected)
    {
        (long scriptsBefore, long getsBefore) = await _redis.CountersAsync();
        using (_table.Measure())
        {
            Assert.Equal(expected, (await validate()).Outcome);
        }

        int table = _table.Count;
        (long scriptsAfter, long getsAfter) = await _redis.CountersAsync();
        return (table, scriptsAfter - scriptsBefore, getsAfter - getsBefore);
    }
}
