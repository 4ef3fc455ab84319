using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.Core.Expiry;
using BlueTokens.Core.Storage;
using BlueTokens.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Expiry;

/// <summary>
/// The expiry timer over real Azurite and Redis, with the host's clock moved by a FakeTimeProvider: a token
/// expires (validate refuses it before the timer, the timer does the bookkeeping once), warnings, grace ends,
/// double fire, catch-up in bounded batches, and the index rows that follow a client's changes.
/// Each test has its own tables and queue: the expiry checkpoint is global per table set.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ExpiryTimerTests(StackFixture stack, ITestOutputHelper output)
{
    [Fact]
    public async Task ExpiredToken_IsRefusedBeforeTheTimer_AndTheTimerDoesItsBookkeepingExactlyOnce()
    {
        await using var host = ExpiryTestHost.Start(stack);
        await using RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString);
        AdminApi admin = host.NewTenant();
        Connector connector = host.NewConnector();
        AdminApi.Created client = await admin.CreateAsync("BI", "analyst", new { expiresInDays = 1 });
        DateTimeOffset expiresAt = client.Client.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);

        host.Clock.Advance(TimeSpan.FromHours(25));

        // Validation judges by expiresAt, not by the timer's bookkeeping.
        Assert.Equal("expired", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("expired", await ExpiryTestHost.StatusAsync(admin, client.Id));
        Assert.DoesNotContain(await ExpiryTestHost.AuditAsync(admin, client.Id), e => e.GetProperty("action").GetString() == "token.expired");
        Assert.True((await redis.GetAsync(RedisProbe.TokenKey(client.Token))).HasValue, "the token's cache entry should still be there before the timer runs");

        ExpiryRunResult run = await host.RunAsync();

        Assert.Equal(1, run.Expired);
        Assert.Equal(0, run.Failed);
        Assert.Equal("expired", await ExpiryTestHost.StatusAsync(admin, client.Id));
        JsonElement expiredAudit = Assert.Single(await ExpiryTestHost.AuditAsync(admin, client.Id), e => e.GetProperty("action").GetString() == "token.expired");
        Assert.Equal("system", expiredAudit.GetProperty("actor").GetString());
        Assert.Equal(client.Id, expiredAudit.GetProperty("clientId").GetString());
        Assert.DoesNotContain(client.Token, expiredAudit.GetRawText(), StringComparison.Ordinal);

        IReadOnlyList<ReceivedEvent> events = await host.SettledEventsAsync();
        ReceivedEvent expired = Assert.Single(events, e => e.Type == "token.expired");
        Assert.Equal(client.Id, expired.ClientId);
        Assert.Equal(admin.Tenant, expired.TenantId);
        Assert.Equal("BI", expired.ClientName);
        Assert.NotNull(expired.ExpiresAtText);
        Assert.Equal(expiresAt, DateTimeOffset.Parse(expired.ExpiresAtText!, CultureInfo.InvariantCulture));
        Assert.All(events, e => Assert.False(e.HoldsAToken, $"an event holds a token: {e.Json}"));

        // The cache entry is purged; the lookup stays while the client exists, so validate still says "expired".
        Assert.False((await redis.GetAsync(RedisProbe.TokenKey(client.Token))).HasValue, "the expired token's cache entry is still in Redis");
        Assert.Single(await host.RowsAsync(TokenLookups.Table, TableClient.CreateQueryFilter($"PartitionKey eq {RedisProbe.TokenHash(client.Token)}")));
        Assert.Equal("expired", (await connector.ValidateAsync(client.Token)).Outcome);

        // A second run has nothing left to do.
        ExpiryRunResult again = await host.RunAsync();
        Assert.Equal(0, again.Expired);
        Assert.Equal(0, again.Warned);
        Assert.Single(await ExpiryTestHost.AuditAsync(admin, client.Id), e => e.GetProperty("action").GetString() == "token.expired");
        Assert.Single(await host.SettledEventsAsync(), e => e.Type == "token.expired");
        Assert.Empty(await host.IndexRowsAsync(client.Id));
    }

    [Fact]
    public async Task TimerFunction_OnDemand_ExpiresTheDueToken()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("JDBC", "analyst", new { expiresInDays = 1 });
        host.Clock.Advance(TimeSpan.FromHours(25));

        using HttpResponseMessage response = await host.Factory.CreateClient().PostAsJsonAsync("/admin/functions/ExpireTokens", new { input = "" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        List<JsonElement> audit;
        while (!(audit = await ExpiryTestHost.AuditAsync(admin, client.Id)).Any(e => e.GetProperty("action").GetString() == "token.expired") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        JsonElement expired = Assert.Single(audit, e => e.GetProperty("action").GetString() == "token.expired");
        Assert.Equal("system", expired.GetProperty("actor").GetString());
        IReadOnlyList<ReceivedEvent> events = await host.Events.WaitAsync(received => received.Any(e => e.Type == "token.expired"), TimeSpan.FromSeconds(20));
        events = await host.SettledEventsAsync();
        Assert.Single(events, e => e.Type == "token.expired" && e.ClientId == client.Id);
        Assert.Empty(await host.IndexRowsAsync(client.Id));
    }

    [Fact]
    public async Task Warning_IsSentOnceWhenTheTokenEntersTheWindow_ThenTheTokenExpires()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Analysis", "analyst", new { expiresInDays = 10 });
        DateTimeOffset expiresAt = client.Client.GetProperty("expiresAt").GetDateTimeOffset();

        host.Clock.Advance(TimeSpan.FromDays(2));
        ExpiryRunResult early = await host.RunAsync();
        Assert.Equal(0, early.Warned);
        Assert.Equal(0, early.IndexEntriesRead);
        Assert.DoesNotContain(await host.SettledEventsAsync(), e => e.Type == "token.expiring");

        host.Clock.Advance(TimeSpan.FromDays(1.1)); // 6.9 days left: inside the 7-day window
        ExpiryRunResult warned = await host.RunAsync();
        Assert.Equal(1, warned.Warned);
        Assert.Equal(0, warned.Expired);
        ReceivedEvent expiring = Assert.Single(await host.SettledEventsAsync(), e => e.Type == "token.expiring");
        Assert.Equal(client.Id, expiring.ClientId);
        Assert.Equal(admin.Tenant, expiring.TenantId);
        Assert.Equal("Analysis", expiring.ClientName);
        Assert.Equal(expiresAt, DateTimeOffset.Parse(expiring.ExpiresAtText!, CultureInfo.InvariantCulture));
        Assert.False(expiring.HoldsAToken);

        // The warning is not audited (only token.expired is an audit action); the row moved to the expiry.
        Assert.DoesNotContain(await ExpiryTestHost.AuditAsync(admin, client.Id), e => e.GetProperty("action").GetString() is "token.expiring" or "token.expired");
        TableEntity moved = Assert.Single(await host.IndexRowsAsync(client.Id));
        Assert.Equal(ExpiryIndex.DayOf(expiresAt), moved.PartitionKey);

        ExpiryRunResult again = await host.RunAsync();
        Assert.Equal(0, again.Warned);
        Assert.Single(await host.SettledEventsAsync(), e => e.Type == "token.expiring");

        host.Clock.Advance(TimeSpan.FromDays(7)); // +10.1 days
        ExpiryRunResult expired = await host.RunAsync();
        Assert.Equal(1, expired.Expired);
        Assert.Equal(0, expired.Warned);
        IReadOnlyList<ReceivedEvent> events = await host.SettledEventsAsync();
        Assert.Single(events, e => e.Type == "token.expiring");
        Assert.Single(events, e => e.Type == "token.expired" && e.ClientId == client.Id);
        Assert.Equal("expired", await ExpiryTestHost.StatusAsync(admin, client.Id));
    }

    [Fact]
    public async Task Warning_OfATokenIssuedInsideTheWindow_IsSentAtTheFirstRun()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI", "analyst", new { expiresInDays = 3 });

        ExpiryRunResult first = await host.RunAsync();

        Assert.Equal(1, first.Warned);
        Assert.Equal(0, first.Expired);
        ReceivedEvent expiring = Assert.Single(await host.SettledEventsAsync(), e => e.Type == "token.expiring");
        Assert.Equal(client.Id, expiring.ClientId);
        Assert.Equal(0, (await host.RunAsync()).Warned);

        host.Clock.Advance(TimeSpan.FromDays(3.1));
        Assert.Equal(1, (await host.RunAsync()).Expired);
        IReadOnlyList<ReceivedEvent> events = await host.SettledEventsAsync();
        Assert.Single(events, e => e.Type == "token.expiring");
        Assert.Single(events, e => e.Type == "token.expired");
    }

    [Fact]
    public async Task GraceEnd_PurgesTheOldTokensLookup_AndKeepsTheNewToken()
    {
        await using var host = ExpiryTestHost.Start(stack);
        await using RedisProbe redis = await RedisProbe.ConnectAsync(stack.RedisConnectionString);
        AdminApi admin = host.NewTenant();
        Connector connector = host.NewConnector();
        AdminApi.Created client = await admin.CreateAsync("BI");
        using HttpResponseMessage regenerated = await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate", new { gracePeriodMinutes = 30 });
        Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        string newToken = JsonDocument.Parse(await regenerated.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(newToken)).Outcome);
        string oldLookup = TableClient.CreateQueryFilter($"PartitionKey eq {RedisProbe.TokenHash(client.Token)} and RowKey eq ''");
        Assert.Single(await host.RowsAsync(TokenLookups.Table, oldLookup));

        host.Clock.Advance(TimeSpan.FromMinutes(31));
        ExpiryRunResult run = await host.RunAsync();

        Assert.Equal(1, run.GraceEnded);
        Assert.Equal(0, run.Expired);
        Assert.Equal(0, run.Failed);
        Assert.Empty(await host.RowsAsync(TokenLookups.Table, oldLookup));
        Assert.Single(await host.RowsAsync(TokenLookups.Table, TableClient.CreateQueryFilter($"PartitionKey eq {RedisProbe.TokenHash(newToken)}")));
        RedisValue cached = await redis.GetAsync(RedisProbe.TokenKey(client.Token));
        Assert.True(!cached.HasValue || cached.ToString().EndsWith("|R", StringComparison.Ordinal), $"the old token's cache entry is still live: {cached}");
        Assert.Equal("invalid_token", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(newToken)).Outcome);
        Assert.Equal("active", await ExpiryTestHost.StatusAsync(admin, client.Id));

        // Nothing of the grace is left for a later run.
        Assert.Equal(0, (await host.RunAsync()).GraceEnded);
        TableEntity remaining = Assert.Single(await host.IndexRowsAsync(client.Id));
        Assert.Equal(RedisProbe.TokenHash(newToken), remaining.GetString("TokenHash"));
    }

    [Fact]
    public async Task DoubleFire_TwoRunsAtOnce_ExpireEachTokenOnce()
    {
        await using var host = ExpiryTestHost.Start(stack);
        var clients = await host.CreateManyAsync(30, new { expiresInDays = 1 });
        host.Clock.Advance(TimeSpan.FromHours(25));

        ExpiryRunResult[] runs = await Task.WhenAll(host.RunAsync(), host.RunAsync());

        Assert.Equal(30, runs.Sum(r => r.Expired));
        Assert.All(runs, r => Assert.Equal(0, r.Failed));
        await AssertEachExpiredOnceAsync(host, clients, exactMessages: true);
        Assert.Equal(0, (await host.RunAsync()).Expired);
    }

    [Fact]
    public async Task DoubleFire_OnTwoInstancesAtOnce_ExpiresEachTokenOnce()
    {
        await using var hostA = ExpiryTestHost.Start(stack);
        await using var hostB = ExpiryTestHost.Start(stack, clock: hostA.Clock, prefix: hostA.Prefix, queueName: hostA.QueueName);
        var clients = await hostA.CreateManyAsync(30, new { expiresInDays = 1 });
        hostA.Clock.Advance(TimeSpan.FromHours(25));

        ExpiryRunResult[] runs = await Task.WhenAll(hostA.RunAsync(), hostB.RunAsync());

        Assert.Equal(30, runs.Sum(r => r.Expired));
        Assert.All(runs, r => Assert.Equal(0, r.Failed));
        // Two instances each drain the outbox: delivery is at least once, so a message may come twice, but
        // never two different expiry events (two ids) for one token.
        await AssertEachExpiredOnceAsync(hostA, clients, exactMessages: false);
    }

    [Fact]
    public async Task CatchUp_AfterALongGap_HandlesEverythingInBoundedBatches()
    {
        await using var host = ExpiryTestHost.Start(stack, new Dictionary<string, string?> { ["Expiry:BatchSize"] = "25" });
        // 60 clients whose index rows fall on three different days, expiring one to five days on.
        var clients = new List<(AdminApi Admin, AdminApi.Created Client)>();
        for (int day = 1; day <= 3; day++)
        {
            clients.AddRange(await host.CreateManyAsync(20, new { expiresInDays = day }, tenants: 4));
            host.Clock.Advance(TimeSpan.FromDays(1));
        }

        host.Clock.Advance(TimeSpan.FromDays(10));
        var runs = new List<ExpiryRunResult>();
        for (int i = 0; i < 10; i++)
        {
            ExpiryRunResult run = await host.RunAsync();
            runs.Add(run);
            if (run.IndexEntriesRead == 0)
            {
                break;
            }
        }

        string trace = string.Join("; ", runs);
        // A run's batch spans days: 20 rows of the first day and 5 of the second, the other 15 and 10 of the third,
        // the last 10, then a run that finds nothing.
        Assert.True(runs.Select(run => run.IndexEntriesRead).SequenceEqual([25, 25, 10, 0]), $"60 rows in batches of 25: {trace}");
        Assert.Equal(60, runs.Sum(r => r.Expired));
        Assert.Equal(60, runs.Sum(r => r.IndexEntriesRead));
        Assert.All(runs, r => Assert.Equal(0, r.Failed));
        Assert.Equal(ExpiryIndex.DayOf(host.Clock.GetUtcNow()), runs[^1].CheckpointDay);
        await AssertEachExpiredOnceAsync(host, clients, exactMessages: true);
    }

    [Fact]
    public async Task Delete_RemovesTheClientsIndexRow_AndRegenerate_MovesIt()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();

        AdminApi.Created deleted = await admin.CreateAsync("Deleted", "analyst", new { expiresInDays = 30 });
        TableEntity row = Assert.Single(await host.IndexRowsAsync(deleted.Id));
        Assert.Equal(RedisProbe.TokenHash(deleted.Token), row.GetString("TokenHash"));
        Assert.Equal("Token", row.GetString("Kind"));
        Assert.Equal(admin.Tenant, row.GetString("TenantId"));
        DateTimeOffset expiresAt = deleted.Client.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.Equal(expiresAt.AddDays(-7), row.GetDateTimeOffset("DueAt")); // its warning
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{deleted.Id}")).StatusCode);
        Assert.Empty(await host.IndexRowsAsync(deleted.Id));

        AdminApi.Created rotated = await admin.CreateAsync("Rotated", "analyst", new { expiresInDays = 30 });
        using HttpResponseMessage response = await admin.PostAsync($"/api/clients/{rotated.Id}/token/regenerate", new { expiresInDays = 60 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        string newToken = body.GetProperty("token").GetString()!;
        List<TableEntity> rows = await host.IndexRowsAsync(rotated.Id);
        Assert.DoesNotContain(rows, r => r.GetString("TokenHash") == RedisProbe.TokenHash(rotated.Token));
        TableEntity moved = Assert.Single(rows, r => r.GetString("TokenHash") == RedisProbe.TokenHash(newToken));
        Assert.Equal(body.GetProperty("client").GetProperty("expiresAt").GetDateTimeOffset().AddDays(-7), moved.GetDateTimeOffset("DueAt"));
        Assert.Single(rows);

        // Nothing is left for the timer of either: no warning or expiry of the deleted or replaced tokens.
        host.Clock.Advance(TimeSpan.FromDays(31));
        ExpiryRunResult run = await host.RunAsync();
        Assert.Equal(0, run.Expired);
        Assert.Equal(0, run.Warned);
        Assert.DoesNotContain(await host.SettledEventsAsync(), e => e.Type is "token.expiring" or "token.expired");
    }

    [Fact]
    public async Task AfterTheWarning_RegenerateAndDelete_FindTheRowAtTheExpiry()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created rotated = await admin.CreateAsync("Rotated", "analyst", new { expiresInDays = 3 });
        AdminApi.Created deleted = await admin.CreateAsync("Deleted", "analyst", new { expiresInDays = 3 });
        Assert.Equal(2, (await host.RunAsync()).Warned); // both inside the window: warned, rows moved to their expiry
        Assert.Single(await host.IndexRowsAsync(rotated.Id));
        Assert.Single(await host.IndexRowsAsync(deleted.Id));

        using HttpResponseMessage response = await admin.PostAsync($"/api/clients/{rotated.Id}/token/regenerate", new { expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string newToken = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{deleted.Id}")).StatusCode);

        TableEntity row = Assert.Single(await host.IndexRowsAsync(rotated.Id));
        Assert.Equal(RedisProbe.TokenHash(newToken), row.GetString("TokenHash"));
        Assert.Empty(await host.IndexRowsAsync(deleted.Id));
    }

    /// <summary>Each client: status expired, one token.expired audit event by the system, and one token.expired event.</summary>
    private async Task AssertEachExpiredOnceAsync(ExpiryTestHost host, List<(AdminApi Admin, AdminApi.Created Client)> clients, bool exactMessages)
    {
        IReadOnlyList<ReceivedEvent> events = await host.SettledEventsAsync();
        int expiredMessages = events.Count(e => e.Type == "token.expired");
        output.WriteLine($"{expiredMessages} token.expired messages ({events.Where(e => e.Type == "token.expired").Select(e => e.Id).Distinct().Count()} ids) for {clients.Count} clients; "
            + $"the outbox had to be drained {host.StalledOutboxDrains} times after the background sender stopped with events left");
        foreach ((AdminApi admin, AdminApi.Created client) in clients)
        {
            Assert.Equal("expired", await ExpiryTestHost.StatusAsync(admin, client.Id));
            List<JsonElement> audit = (await ExpiryTestHost.AuditAsync(admin, client.Id)).Where(e => e.GetProperty("action").GetString() == "token.expired").ToList();
            Assert.True(audit.Count == 1, $"client {client.Id} has {audit.Count} token.expired audit events");
            var expired = events.Where(e => e.Type == "token.expired" && e.ClientId == client.Id).ToList();
            int count = exactMessages ? expired.Count : expired.Select(e => e.Id).Distinct().Count();
            Assert.True(count == 1, $"client {client.Id} has {expired.Count} token.expired messages ({expired.Select(e => e.Id).Distinct().Count()} ids)");
        }

        Assert.All(events, e => Assert.False(e.HoldsAToken, $"an event holds a token: {e.Json}"));
    }

    [Fact]
    public async Task RefusedCreatesAndRegenerates_LeaveNoIndexRowsForTheTimer()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        List<TableEntity> before = await host.RowsAsync(ExpiryIndex.Table);

        string missing = client.Id[..^1] + (client.Id[^1] == 'a' ? 'b' : 'a');
        using (HttpResponseMessage notFound = await admin.PostAsync($"/api/clients/{missing}/token/regenerate", new { expiresInDays = 1 }))
        {
            await notFound.AssertProblemAsync(404, "not_found");
        }

        using (HttpResponseMessage stale = await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate", new { expiresInDays = 1 }, ifMatch: "\"v0\""))
        {
            await stale.AssertProblemAsync(412, "precondition_failed");
        }

        using (HttpResponseMessage taken = await admin.PostAsync("/api/clients", new { name = "BI", role = "analyst", expiresInDays = 1 }))
        {
            await taken.AssertProblemAsync(409, "name_taken");
        }

        List<TableEntity> after = await host.RowsAsync(ExpiryIndex.Table);
        Assert.Equal(before.Select(row => row.RowKey).Order(StringComparer.Ordinal), after.Select(row => row.RowKey).Order(StringComparer.Ordinal));
    }
}
