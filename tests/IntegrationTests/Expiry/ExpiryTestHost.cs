using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using BlueTokens.Core.Events;
using BlueTokens.Core.Expiry;
using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.LocalHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.IntegrationTests.Expiry;

/// <summary>
/// A LocalHost for expiry and event tests: its own tables (a fresh <c>Storage:TablePrefix</c>) and its own event
/// queue, because the expiry checkpoint is global per table set and these tests move the clock; and the clock of a
/// <see cref="ClockedHost"/>. Two hosts given the same prefix, queue and clock are two instances of one deployment.
/// </summary>
internal sealed class ExpiryTestHost : IAsyncDisposable
{
    private readonly LocalHostFactory _baseHost;
    private readonly ClockedHost _host;

    private ExpiryTestHost(StackFixture stack, string prefix, string queueName, FakeTimeProvider? clock,
        IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services)
    {
        Stack = stack;
        Prefix = prefix;
        QueueName = queueName;
        var overrides = new Dictionary<string, string?>
        {
            ["Storage:TablePrefix"] = prefix,
            ["Events:QueueName"] = queueName,
        };
        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        _baseHost = new LocalHostFactory(stack, overrides);
        _host = ClockedHost.Over(_baseHost, clock, services);
        Events = new EventReader(stack.StorageConnectionString, queueName);
    }

    public StackFixture Stack { get; }

    public string Prefix { get; }

    public string QueueName { get; }

    public FakeTimeProvider Clock => _host.Clock;

    public WebApplicationFactory<LocalHostEntryPoint> Factory => _host.Factory;

    public IServiceProvider Services => Factory.Services;

    public EventReader Events { get; }

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static string NewQueueName() => "ev-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A host with its own tables and queue (or those given, to share them), started at once.</summary>
    public static ExpiryTestHost Start(StackFixture stack, IReadOnlyDictionary<string, string?>? settings = null, FakeTimeProvider? clock = null,
        string? prefix = null, string? queueName = null, Action<IServiceCollection>? services = null) =>
        new(stack, prefix ?? NewPrefix(), queueName ?? NewQueueName(), clock, settings, services);

    public Task<ExpiryRunResult> RunAsync() => Services.GetRequiredService<ExpiryService>().RunAsync();

    public AdminApi NewTenant(string subject = "admin@test") => _host.NewTenant(subject);

    public Connector NewConnector() => _host.NewConnector();

    public TableClient Table(string name) => new TableServiceClient(Stack.StorageConnectionString).GetTableClient(Prefix + name);

    /// <summary>Every row of one of this host's tables (none where the table does not exist yet).</summary>
    public async Task<List<TableEntity>> RowsAsync(string table, string? filter = null)
    {
        var rows = new List<TableEntity>();
        try
        {
            await foreach (TableEntity row in Table(table).QueryAsync<TableEntity>(filter))
            {
                rows.Add(row);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
        }

        return rows;
    }

    /// <summary>The expiry index rows of one client (the checkpoint row has no ClientId).</summary>
    public Task<List<TableEntity>> IndexRowsAsync(string clientId) =>
        RowsAsync(ExpiryIndex.Table, TableClient.CreateQueryFilter($"ClientId eq {clientId}"));

    /// <summary>How often <see cref="SettledEventsAsync"/> found the background sender stopped with events left.</summary>
    public int StalledOutboxDrains { get; private set; }

    /// <summary>
    /// Waits until the outbox is empty (every event published so far is on the queue: a row is removed only after
    /// the queue took it), then gives every message the queue has had. The background sender should empty it on
    /// its own; where it has stopped with events left (BackgroundSender_DeliversEveryEvent_WithoutATimerRun shows
    /// this), the outbox is drained as the timer function drains it, once it has been still for a while, so as
    /// not to race the sender (two drains at once may send an event twice).
    /// </summary>
    public async Task<IReadOnlyList<ReceivedEvent>> SettledEventsAsync(TimeSpan? timeout = null)
    {
        int left = await WaitForOutboxAsync(timeout ?? TimeSpan.FromSeconds(20), drainWhenStalled: true);
        Assert.True(left == 0, $"{left} events still wait in the outbox after {timeout ?? TimeSpan.FromSeconds(20)}");
        return await Events.ReadAsync();
    }

    /// <summary>Waits for the outbox to be empty; returns how many events are left when the time is up.</summary>
    public async Task<int> WaitForOutboxAsync(TimeSpan timeout, bool drainWhenStalled)
    {
        DateTime deadline = DateTime.UtcNow + timeout, stillSince = DateTime.UtcNow;
        int last = -1;
        while (true)
        {
            int count = (await RowsAsync(EventOutbox.Table)).Count;
            if (count == 0 || DateTime.UtcNow > deadline)
            {
                return count;
            }

            if (count != last)
            {
                (last, stillSince) = (count, DateTime.UtcNow);
            }
            else if (drainWhenStalled && DateTime.UtcNow - stillSince > TimeSpan.FromSeconds(1.5))
            {
                StalledOutboxDrains++;
                await Services.GetRequiredService<LifecycleEvents>().DrainAsync();
                last = -1;
                continue;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>GET /api/audit?clientId=, every page, newest first.</summary>
    public static async Task<List<JsonElement>> AuditAsync(AdminApi admin, string clientId)
    {
        var items = new List<JsonElement>();
        string? continuation = null;
        do
        {
            string path = $"/api/audit?clientId={Uri.EscapeDataString(clientId)}&pageSize=100"
                + (continuation is null ? "" : $"&continuationToken={Uri.EscapeDataString(continuation)}");
            (HttpResponseMessage response, JsonElement body) = await admin.GetJsonAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}");
            items.AddRange(body.GetProperty("items").EnumerateArray().Select(item => item.Clone()));
            continuation = body.TryGetProperty("continuationToken", out JsonElement next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (continuation is not null);

        return items;
    }

    public static async Task<string> StatusAsync(AdminApi admin, string clientId)
    {
        (HttpResponseMessage response, JsonElement body) = await admin.GetJsonAsync($"/api/clients/{clientId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("status").GetString()!;
    }

    /// <summary>Creates clients in several tenants at once (each tenant's creates in order: they share its counter row).</summary>
    public async Task<List<(AdminApi Admin, AdminApi.Created Client)>> CreateManyAsync(int count, object lifetime, int tenants = 10)
    {
        AdminApi[] admins = Enumerable.Range(0, Math.Min(tenants, count)).Select(_ => NewTenant()).ToArray();
        var perTenant = await Task.WhenAll(admins.Select(async (admin, t) =>
        {
            var created = new List<(AdminApi, AdminApi.Created)>();
            for (int i = t; i < count; i += admins.Length)
            {
                created.Add((admin, await admin.CreateAsync($"client-{i}", "analyst", lifetime)));
            }

            return created;
        }));
        return perTenant.SelectMany(list => list).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _baseHost.DisposeAsync();
    }
}

/// <summary>A lifecycle event as a consumer receives it: the message text (base64-decoded) and its JSON.</summary>
internal sealed record ReceivedEvent(string Json, JsonElement Body)
{
    private static readonly Regex AnyToken = new("blue_[0-9A-Za-z]{38}", RegexOptions.CultureInvariant);

    public string Id => Body.GetProperty("id").GetString()!;

    public string Type => Body.GetProperty("type").GetString()!;

    public string TimeText => Body.GetProperty("time").GetString()!;

    public string TenantId => Body.GetProperty("tenantId").GetString()!;

    public string ClientId => Body.GetProperty("clientId").GetString()!;

    public string ClientName => Body.GetProperty("clientName").GetString()!;

    public string? ExpiresAtText => Body.TryGetProperty("expiresAt", out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public bool HoldsAToken => AnyToken.IsMatch(Json);

    /// <summary>Whether the message text was base64 (as the contract and a Functions queue trigger want).</summary>
    public bool Base64 { get; init; }

    public override string ToString() => Json;
}

/// <summary>
/// Reads the event queue as a consumer would, receiving and deleting, and remembers everything it has received
/// (the queue shows at most 32 messages a call, and a received message is gone from it).
/// </summary>
internal sealed class EventReader(string connectionString, string queueName)
{
    // Received as stored and decoded here: the contract is base64 JSON, but a plain-JSON message must still be
    // readable so that the other assertions can run (Messages_AreBase64Json checks the encoding itself).
    private readonly QueueClient _queue = new(connectionString, queueName);
    private readonly List<ReceivedEvent> _received = [];

    /// <summary>Everything received so far, after receiving what the queue holds now.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> ReadAsync()
    {
        if (!await _queue.ExistsAsync())
        {
            return [.. _received];
        }

        while (true)
        {
            QueueMessage[] messages = (await _queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(10))).Value;
            if (messages.Length == 0)
            {
                break;
            }

            foreach (QueueMessage message in messages)
            {
                string text = message.Body.ToString();
                string json = Decode(text);
                _received.Add(new ReceivedEvent(json, JsonDocument.Parse(json).RootElement.Clone()) { Base64 = json != text });
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }

        return [.. _received];
    }

    /// <summary>The texts of the messages on the queue now, as stored (no decoding), without receiving them.</summary>
    public async Task<string[]> PeekRawAsync() =>
        await _queue.ExistsAsync()
            ? (await _queue.PeekMessagesAsync(32)).Value.Select(message => message.Body.ToString()).ToArray()
            : [];

    private static string Decode(string text)
    {
        Span<byte> bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out int written)
            ? Encoding.UTF8.GetString(bytes[..written])
            : text;
    }

    /// <summary>Polls until <paramref name="done"/> holds for what has been received, or the time is up.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> WaitAsync(Func<IReadOnlyList<ReceivedEvent>, bool> done, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<ReceivedEvent> received = await ReadAsync();
        while (!done(received) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            received = await ReadAsync();
        }

        return received;
    }
}
