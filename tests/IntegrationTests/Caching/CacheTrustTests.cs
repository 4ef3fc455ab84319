using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.Core.Caching;
using BlueTokens.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace BlueTokens.IntegrationTests.Caching;

/// <summary>
/// Redis holds no authority of its own: an entry altered or forged by someone who can write to Redis is not
/// believed, and a Redis that refuses the service's commands (the client library's own refusals included) is
/// Redis unavailable: never a 500, never a failed answer for a change that committed.
/// </summary>
[Collection(StackTests.Name)]
public sealed class CacheTrustTests(StackFixture stack) : ApiTestBase(stack)
{
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
