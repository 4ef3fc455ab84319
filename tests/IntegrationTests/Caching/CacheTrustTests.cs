using System.Globalization;
using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Tokens;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.IntegrationTests.Caching;

/// <summary>
/// Redis holds no authority of its own: an entry altered or forged by someone who can write to Redis is not
/// believed, a copy of a real one written back is believed no longer than the longest lifetime of an entry after
/// its write, and a Redis that refuses the service's commands (the client library's own refusals included) is
/// Redis unavailable: never a 500, never a failed answer for a change that committed.
/// </summary>
[Collection(StackTests.Name)]
public sealed class CacheTrustTests(StackFixture stack) : ApiTestBase(stack)
{
    private static readonly TimeSpan EntryLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FillDeadline = TimeSpan.FromSeconds(2);

    // Short bounds of its own, and no in-memory answers of the instance (a lease of 0): every validate reads Redis.
    private static readonly Dictionary<string, string?> ReplaySettings = new()
    {
        ["Cache:MaxEntryLifetime"] = "00:01:00",
        ["Cache:FillDeadline"] = "00:00:02",
        ["Cache:LocalLease"] = "00:00:00",
    };

    [Fact]
    public async Task ACopyOfALiveEntryWrittenBackAfterADisable_IsBelievedUntilTheBoundAfterItsWrite_AndNeverAfter()
    {
        await using var factory = new LocalHostFactory(Stack, ReplaySettings);
        ClockedHost host = ClockedHost.Over(factory);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        Connector connector = host.NewConnector();
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);

        // What someone who can read Redis keeps while the token is live.
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        string key = RedisProbe.TokenKey(client.Token);
        string copy = (string?)await redis.GetAsync(key) ?? throw new InvalidOperationException("no entry for a live token");
        Assert.Contains("\"d\":false", copy, StringComparison.Ordinal);
        using (HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{client.Id}/disable"))
        {
            disabled.EnsureSuccessStatusCode();
        }

        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);

        // Written back with no lifetime. Until the bound has passed since the write it copies (Redis's time, sealed
        // into it), by the answering instance's clock, it is believed: the window a replay has (README, Security).
        await redis.Database.StringSetAsync(key, copy);
        Assert.Equal(-1, (long)await redis.Database.ExecuteAsync("PTTL", key));
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        DateTimeOffset written = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(copy.Split('|')[2], CultureInfo.InvariantCulture));
        TimeSpan bound = EntryLifetime + FillDeadline + CacheEntrySeal.ClockAllowance;
        host.Clock.Advance(written + bound - host.Clock.GetUtcNow());
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);

        host.Clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome); // and again
        host.Clock.Advance(TimeSpan.FromDays(300));
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome); // however long the token has left
    }

    [Fact]
    public async Task ACopyOlderThanAnyEntryLives_IsReplacedByTheNextFill_ThoughItsVersionIsAboveTheFills()
    {
        // A deleted client's token fills an unknown marker at version 0, below any copy of its live entry: the put
        // script counts a value sealed longer ago than any value lives as absent, so the copy does not stay (with no
        // lifetime) in front of every validate of the token.
        await using var factory = new LocalHostFactory(Stack, ReplaySettings);
        var admin = new AdminApi(factory.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        var connector = new Connector(factory.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        string key = RedisProbe.TokenKey(client.Token);
        string[] live = ((string?)await redis.GetAsync(key) ?? throw new InvalidOperationException("no entry for a live token")).Split('|', 5);
        (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{client.Id}")).EnsureSuccessStatusCode();
        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);

        // The live entry as a copy kept since long ago reads: sealed as the service seals (its key), under the
        // bucket's generation, at a Redis time further back than the bound. Written back with no lifetime.
        RedisResult[] time = (RedisResult[])(await redis.Database.ExecuteAsync("TIME"))!;
        long redisNow = (long)time[0] * 1000 + (long)time[1] / 1000;
        long longAgo = redisNow - (long)(EntryLifetime + FillDeadline + CacheEntrySeal.ClockAllowance).TotalMilliseconds - 60_000;
        using var seal = new CacheEntrySeal(
            Options.Create(new TokenOptions { EncryptionKey = LocalHostFactory.EncryptionKey }),
            Options.Create(new CacheOptions { MaxEntryLifetime = EntryLifetime, FillDeadline = FillDeadline }),
            TimeProvider.System);
        string generation = (string?)await redis.GetAsync(RedisProbe.GenerationKey(client.Token)) ?? throw new InvalidOperationException("no generation");
        string old = seal.Seal(RedisProbe.TokenHash(client.Token), long.Parse(live[0], CultureInfo.InvariantCulture), generation, longAgo, live[4]);
        await redis.Database.StringSetAsync(key, old);

        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);

        string refilled = (string?)await redis.GetAsync(key) ?? throw new InvalidOperationException("the key is gone");
        Assert.EndsWith("|" + TokenCache.UnknownPayload, refilled, StringComparison.Ordinal);
        Assert.NotNull(await redis.Database.KeyTimeToLiveAsync(key));
    }
    [Fact]
    public async Task AFillThatLandsLate_LivesItsLifetimeFromItsRead_SoThatNoValueOutlivesTheBoundOfItsSealedTime()
    {
        // A fill is sealed at Redis's time before its table read and may land up to the fill deadline later: the put
        // script takes the lateness off its lifetime. Redis's clock is the one that moves it, so this waits.
        var gate = new FillGate();
        await using var factory = new LocalHostFactory(Stack, new Dictionary<string, string?>(ReplaySettings) { ["Cache:FillDeadline"] = "00:00:10" });
        await using WebApplicationFactory<LocalHostEntryPoint> validators = factory.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<IValidationObserver>(gate)));
        var admin = new AdminApi(factory.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        string key = RedisProbe.TokenKey(client.Token);
        await redis.DeleteAsync(key);

        Task held = gate.HoldNextAsync(RedisProbe.TokenHash(client.Token));
        Task<Connector.Answer> validate = new Connector(validators.CreateClient()).ValidateAsync(client.Token);
        await held.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        gate.ReleaseAll();

        Assert.Equal("valid", (await validate).Outcome);
        Assert.InRange((long)await redis.Database.ExecuteAsync("PTTL", key), 1, (long)(EntryLifetime - TimeSpan.FromSeconds(1)).TotalMilliseconds);
    }

    [Fact]
    public async Task AnEntryAlteredInRedis_IsNotBelieved_TheTableDecides()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        using (HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{client.Id}/disable"))
        {
            disabled.EnsureSuccessStatusCode();
        }

        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        string key = RedisProbe.TokenKey(client.Token);
        string stored = (string?)await redis.GetAsync(key) ?? throw new InvalidOperationException("no entry after the disable");
        Assert.Contains("\"d\":true", stored, StringComparison.Ordinal);

        // Flip the flag and keep everything else, the MAC included: what write access to Redis alone can do.
        await redis.Database.StringSetAsync(key, stored.Replace("\"d\":true", "\"d\":false", StringComparison.Ordinal), TimeSpan.FromMinutes(5));

        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome); // and again: never believed
    }

    [Fact]
    public async Task AnEntryForgedInRedis_ForATokenNoClientHas_IsNotBelieved()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        string unknown = Core.Tokens.AccessToken.Generate();
        var connector = new Connector(Host.CreateClient());
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);

        // Copy the real client's entry, bucket generation included, to the unknown token's key, and give the unknown
        // token's bucket the same generation: a perfect copy, except that it was sealed for another token.
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        RedisValue entry = await redis.GetAsync(RedisProbe.TokenKey(client.Token));
        RedisValue generation = await redis.GetAsync(RedisProbe.GenerationKey(client.Token));
        await redis.Database.StringSetAsync(RedisProbe.GenerationKey(unknown), generation);
        await redis.Database.StringSetAsync(RedisProbe.TokenKey(unknown), entry, TimeSpan.FromMinutes(5));

        Assert.Equal("invalid_token", (await connector.ValidateAsync(unknown)).Outcome);
    }

    [Fact]
    public async Task ARedisWhoseCommandsTheClientLibraryRefuses_IsUnavailable_AndEveryChangeStillAnswersWhatItDid()
    {
        // The client library refuses scripts before sending them (as it refuses a script over two slots of a
        // cluster): the service must carry on from the table, record what Redis missed, and never answer 500.
        await using var host = new LocalHostFactory(Stack, new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = $"{Stack.RedisConnectionString},$EVAL=,$EVALSHA=",
        });
        var admin = new AdminApi(host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        var connector = new Connector(host.CreateClient());

        using HttpResponseMessage created = await admin.PostAsync("/api/clients", new { name = "BI", role = "analyst" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        string id = body.RootElement.GetProperty("client").GetProperty("id").GetString()!;
        string token = body.RootElement.GetProperty("token").GetString()!;

        Assert.Equal("valid", (await connector.ValidateAsync(token)).Outcome);
        using HttpResponseMessage disabled = await admin.PostAsync($"/api/clients/{id}/disable");
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.Equal("disabled", (await connector.ValidateAsync(token)).Outcome);

        // What Redis did not take is pending for replay, not lost.
        TableClient pending = new TableServiceClient(Stack.StorageConnectionString).GetTableClient(PendingInvalidationStore.Table);
        string hash = RedisProbe.TokenHash(token);
        Assert.NotEmpty(await pending.QueryAsync<TableEntity>(row => row.PartitionKey == "pending").Where(row => row.GetString("TokenHash") == hash).ToListAsync());
    }

    [Fact]
    public async Task Health_IsUnhealthy_ForARedisThatAnswersPingButRefusesTheServicesCommands()
    {
        // An ACL user that may PING and GET but not run scripts: PING alone would call this Redis healthy.
        await using RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString);
        string user = $"limited-{Guid.NewGuid():N}";
        await redis.Database.ExecuteAsync("ACL", "SETUSER", user, "on", ">limited-password", "~*", "+@all", "-eval", "-evalsha");
        try
        {
            await using var host = new LocalHostFactory(Stack, new Dictionary<string, string?>
            {
                ["Redis:ConnectionString"] = $"{Stack.RedisConnectionString},user={user},password=limited-password",
            });
            using HttpResponseMessage response = await host.CreateClient().GetAsync("/api/health");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            using JsonDocument health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unhealthy", health.RootElement.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString());
        }
        finally
        {
            await redis.Database.ExecuteAsync("ACL", "DELUSER", user);
        }
    }
}
