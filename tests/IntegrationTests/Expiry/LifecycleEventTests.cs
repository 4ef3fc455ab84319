using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using BlueTokens.Core.Events;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Expiry;

/// <summary>
/// Lifecycle events on the Storage queue: one per management change, with the contract's fields and never a
/// token; and, with the queue unavailable, requests that still succeed at once and events that arrive once the
/// queue is back.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LifecycleEventTests(StackFixture stack, ITestOutputHelper output)
{
    private static readonly string[] Fields = ["id", "type", "time", "tenantId", "clientId", "clientName", "expiresAt"];

    [Fact]
    public async Task EachManagementAction_PublishesItsEventOnce()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI", "analyst", new { expiresInDays = 30 });
        string path = $"/api/clients/{client.Id}";
        DateTimeOffset started = host.Clock.GetUtcNow();

        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(HttpMethod.Patch, path, """{"role":"auditor"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(HttpMethod.Patch, path, "{}")).StatusCode); // no change: no event
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"{path}/disable")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"{path}/disable")).StatusCode); // idempotent: no second event
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"{path}/enable")).StatusCode);
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        using HttpResponseMessage regenerated = await admin.PostAsync($"{path}/token/regenerate", new { expiresInDays = 60 });
        Assert.Equal(HttpStatusCode.OK, regenerated.StatusCode);
        JsonElement regeneratedBody = JsonDocument.Parse(await regenerated.Content.ReadAsStringAsync()).RootElement;
        string newToken = regeneratedBody.GetProperty("token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(HttpMethod.Get, $"{path}/token")).StatusCode); // Show: audited, no event
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(HttpMethod.Delete, path)).StatusCode);

        IReadOnlyList<ReceivedEvent> events = await host.SettledEventsAsync();
        string[] raw = await host.Events.PeekRawAsync(); // all received already; nothing left on the queue
        Assert.Empty(raw);

        string[] expected = ["client.created", "client.updated", "client.disabled", "client.enabled", "token.regenerated", "client.deleted"];
        // Each change happened at the host's now, which moved a second before each of the last four.
        var secondsOn = new Dictionary<string, int>
        {
            ["client.created"] = 0, ["client.updated"] = 0, ["client.disabled"] = 1, ["client.enabled"] = 2, ["token.regenerated"] = 3, ["client.deleted"] = 4,
        };
        var mine = events.Where(e => e.ClientId == client.Id).ToList();
        Assert.True(mine.Count == expected.Length, $"expected one event per change, got: {string.Join("\n", mine.Select(e => e.Json))}");
        Assert.Equal(expected.Order(), mine.Select(e => e.Type).Order());
        Assert.Equal(mine.Count, mine.Select(e => e.Id).Distinct().Count());
        foreach (ReceivedEvent e in mine)
        {
            using JsonDocument json = JsonDocument.Parse(e.Json);
            Assert.All(json.RootElement.EnumerateObject(), property => Assert.Contains(property.Name, Fields));
            Assert.Matches("^[0-9A-Za-z-]{8,}$", e.Id);
            DateTimeOffset time = DateTimeOffset.Parse(e.TimeText, CultureInfo.InvariantCulture);
            Assert.Equal(ToTheMillisecond(started.AddSeconds(secondsOn[e.Type])), time);
            Assert.Equal(admin.Tenant, e.TenantId);
            Assert.Equal("BI", e.ClientName);
            Assert.False(e.HoldsAToken, $"an event holds a token: {e.Json}");
            Assert.DoesNotContain(client.Token, e.Json, StringComparison.Ordinal);
            Assert.DoesNotContain(newToken, e.Json, StringComparison.Ordinal);
        }

        Assert.Equal<DateTimeOffset?>(client.Client.GetProperty("expiresAt").GetDateTimeOffset(), ExpiresAt(mine.Single(e => e.Type == "client.created")));
        Assert.Equal<DateTimeOffset?>(regeneratedBody.GetProperty("client").GetProperty("expiresAt").GetDateTimeOffset(), ExpiresAt(mine.Single(e => e.Type == "token.regenerated")));

        // Timestamps are ISO 8601 UTC with Z, as everywhere in the contract.
        Assert.All(mine, e =>
        {
            Assert.True(e.TimeText.EndsWith('Z'), $"{e.Type}: time is not UTC with Z: {e.TimeText}");
            Assert.True(e.ExpiresAtText is null || e.ExpiresAtText.EndsWith('Z'), $"{e.Type}: expiresAt is not UTC with Z: {e.ExpiresAtText}");
        });
    }

    [Fact]
    public async Task Messages_AreBase64Json_AsAQueueTriggerReadsThem()
    {
        await using var host = ExpiryTestHost.Start(stack);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");

        string[] raw = [];
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while ((raw = await host.Events.PeekRawAsync()).Length == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        string text = Assert.Single(raw);
        var bytes = new byte[text.Length];
        Assert.True(Convert.TryFromBase64String(text, bytes, out int written), $"the message is not base64: {text}");
        string json = Encoding.UTF8.GetString(bytes, 0, written);
        JsonElement body = JsonDocument.Parse(json).RootElement;
        Assert.Equal("client.created", body.GetProperty("type").GetString());
        Assert.Equal(client.Id, body.GetProperty("clientId").GetString());
    }

    [Fact]
    public async Task BackgroundSender_DeliversEveryEvent_WithoutATimerRun()
    {
        // Many changes at once (ten tenants creating in parallel): each event must reach the queue promptly by
        // the background sender alone, not wait for the next timer run (every 5 minutes) to drain the outbox.
        await using var host = ExpiryTestHost.Start(stack);
        var created = new List<(AdminApi Admin, AdminApi.Created Client)>();
        for (int round = 1; round <= 5; round++)
        {
            created.AddRange(await host.CreateManyAsync(30, new { expiresInDays = 30 }));
            int left = await host.WaitForOutboxAsync(TimeSpan.FromSeconds(10), drainWhenStalled: false);
            Assert.True(left == 0, $"round {round}: {left} events still wait in the outbox 10 s after their changes, with the queue up");
        }

        IReadOnlyList<ReceivedEvent> events = await host.Events.ReadAsync();
        Assert.All(created, c => Assert.Single(events, e => e.Type == "client.created" && e.ClientId == c.Client.Id));
    }

    [Fact]
    public async Task QueueUnavailable_RequestStillSucceedsAtOnce_AndTheEventArrivesOnceTheQueueIsBack()
    {
        string prefix = ExpiryTestHost.NewPrefix(), queueName = ExpiryTestHost.NewQueueName();
        int closedPort = ServerProcess.FreePort();
        string deadQueue = Regex.Replace(stack.StorageConnectionString, @"QueueEndpoint=http://[^/;]+/", $"QueueEndpoint=http://127.0.0.1:{closedPort}/");
        Assert.NotEqual(stack.StorageConnectionString, deadQueue);

        AdminApi.Created first, second;
        await using (var dead = ExpiryTestHost.Start(stack, prefix: prefix, queueName: queueName,
            services: services => services.AddSingleton(new QueueServiceClient(deadQueue))))
        {
            AdminApi admin = dead.NewTenant();
            var watch = Stopwatch.StartNew();
            first = await admin.CreateAsync("BI");
            watch.Stop();
            output.WriteLine($"create with the queue down: {watch.ElapsedMilliseconds} ms");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the create took {watch.Elapsed} with the queue down");
            Assert.Single(await OutboxAsync(dead), body => Has(body, "client.created", first.Id));

            // Long enough for the background sender to have tried the dead queue (with the SDK's retries) and
            // given up at least once: the host keeps serving, and keeps the events.
            await Task.Delay(TimeSpan.FromSeconds(8));
            watch.Restart();
            second = await admin.CreateAsync("JDBC");
            watch.Stop();
            output.WriteLine($"second create with the queue down: {watch.ElapsedMilliseconds} ms");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the second create took {watch.Elapsed} with the queue down");
            List<string> pending = await OutboxAsync(dead);
            Assert.Single(pending, body => Has(body, "client.created", first.Id));
            Assert.Single(pending, body => Has(body, "client.created", second.Id));
            Assert.False((await new QueueClient(stack.StorageConnectionString, queueName).ExistsAsync()).Value, "nothing can have reached the queue");
        }

        // The queue is back: an instance with the real queue over the same tables sends what waited.
        await using var live = ExpiryTestHost.Start(stack, prefix: prefix, queueName: queueName);
        IReadOnlyList<ReceivedEvent> events = await live.Events.WaitAsync(
            received => received.Count(e => e.Type == "client.created") >= 2, TimeSpan.FromSeconds(20));
        Assert.Equal(0, await live.Services.GetRequiredService<LifecycleEvents>().DrainAsync());
        events = await live.SettledEventsAsync();

        Assert.Single(events, e => e.Type == "client.created" && e.ClientId == first.Id);
        Assert.Single(events, e => e.Type == "client.created" && e.ClientId == second.Id);
        Assert.Empty(await OutboxAsync(live));
        Assert.All(events, e => Assert.False(e.HoldsAToken));
    }

    private static async Task<List<string>> OutboxAsync(ExpiryTestHost host) =>
        (await host.RowsAsync(EventOutbox.Table)).Select(row => row.GetString("Body")).ToList();

    private static bool Has(string body, string type, string clientId)
    {
        JsonElement json = JsonDocument.Parse(body).RootElement;
        return json.GetProperty("type").GetString() == type && json.GetProperty("clientId").GetString() == clientId;
    }

    private static DateTimeOffset? ExpiresAt(ReceivedEvent e) =>
        e.ExpiresAtText is null ? null : DateTimeOffset.Parse(e.ExpiresAtText, CultureInfo.InvariantCulture);

    /// <summary>An instant as the contract writes it: UTC, to the millisecond.</summary>
    private static DateTimeOffset ToTheMillisecond(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
