using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Azure.Data.Tables;
using BlueTokens.Core.Expiry;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace BlueTokens.IntegrationTests.Expiry;

/// <summary>
/// The timer's cost grows with the tokens that are due, never with all tokens: 20,000 index rows of which 200
/// are due; one run reads those 200 and finishes each of them, with its Table Storage requests counted by a
/// pipeline policy.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ExpiryScaleTests(StackFixture stack, ITestOutputHelper output)
{
    private const int Due = 200;
    private const int NotDue = 19_800;

    [Fact]
    public async Task OneRun_ReadsTheDueRowsOnly_AndFinishesEachDueToken()
    {
        var total = Stopwatch.StartNew();
        var counter = new StorageRequestCounter();
        await using var host = ExpiryTestHost.Start(stack, services: services => services.AddSingleton(counter.CreateClient(stack.StorageConnectionString)));
        host.Factory.Server.PreserveExecutionContext = true;

        // 200 real clients, due tomorrow; their rows sit at their issue time (a one-day token is inside the
        // warning window at once), and are found due, and expired, by a run two days on.
        var clients = await host.CreateManyAsync(Due, new { expiresInDays = 1 });
        output.WriteLine($"{Due} clients created in {total.Elapsed.TotalSeconds:F1} s");

        // 19,800 rows that fall due between 30 and 300 days on, written as the index writes them.
        var setup = Stopwatch.StartNew();
        await InsertFarFutureRowsAsync(host.Table(ExpiryIndex.Table), host.Clock.GetUtcNow());
        int rows = await CountIndexRowsAsync(host.Table(ExpiryIndex.Table));
        output.WriteLine($"{NotDue} synthetic rows written in {setup.Elapsed.TotalSeconds:F1} s; the index holds {rows} token rows");
        Assert.Equal(Due + NotDue, rows);

        host.Clock.Advance(TimeSpan.FromDays(2));
        var run = Stopwatch.StartNew();
        ExpiryRunResult result;
        using (counter.Measure())
        {
            result = await host.RunAsync();
        }

        run.Stop();
        string indexPath = $"/{host.Prefix}{ExpiryIndex.Table}";
        List<string> indexRequests = counter.Requests.Where(request => request.Contains(indexPath, StringComparison.Ordinal)).ToList();
        output.WriteLine($"run: {result}; {run.ElapsedMilliseconds} ms");
        output.WriteLine($"table requests: {counter.Count} in all, {indexRequests.Count} to {host.Prefix}{ExpiryIndex.Table}: "
            + string.Join(", ", indexRequests.GroupBy(request => request.Split(' ')[0]).Select(g => $"{g.Count()} {g.Key}")));

        // One-day tokens are warned at issue time only if a run sees them before they expire; this run sees
        // them expired, so each row is read once and expires its token: no warning row moves.
        Assert.Equal(Due, result.IndexEntriesRead);
        Assert.Equal(Due, result.Expired);
        Assert.Equal(0, result.Warned);
        Assert.Equal(0, result.Failed);
        Assert.Equal(0, result.Dropped);
        // Reads are the checkpoint and one range query per due day (checkpoint to today: three), never one per row
        // and never a scan; each due row is deleted once, and the checkpoint moved once.
        Assert.Equal(
            new Dictionary<string, int> { ["GET"] = 4, ["DELETE"] = Due, ["PUT"] = 1 },
            indexRequests.GroupBy(request => request.Split(' ')[0]).ToDictionary(g => g.Key, g => g.Count()));

        // Every due token is finished, and nothing is left for the next run.
        Assert.Equal(0, (await host.RunAsync()).IndexEntriesRead);
        foreach ((AdminApi admin, AdminApi.Created client) in clients.Where((_, i) => i % 20 == 0))
        {
            Assert.Single(await ExpiryTestHost.AuditAsync(admin, client.Id), e => e.GetProperty("action").GetString() == "token.expired");
        }

        IReadOnlyList<ReceivedEvent> events = await host.SettledEventsAsync(TimeSpan.FromSeconds(30));
        var expired = events.Where(e => e.Type == "token.expired").GroupBy(e => e.ClientId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(clients, c => Assert.True(expired.GetValueOrDefault(c.Client.Id) == 1, $"client {c.Client.Id}: {expired.GetValueOrDefault(c.Client.Id)} token.expired events"));
        Assert.Equal(NotDue, await CountIndexRowsAsync(host.Table(ExpiryIndex.Table)));
        output.WriteLine($"test total {total.Elapsed.TotalSeconds:F1} s");
    }

    private static async Task InsertFarFutureRowsAsync(TableClient table, DateTimeOffset now)
    {
        DateTimeOffset today = new(now.UtcDateTime.Date, TimeSpan.Zero);
        const int days = 271; // +30 to +300
        var byDay = Enumerable.Range(0, NotDue)
            .Select(i =>
            {
                DateTimeOffset dueAt = today.AddDays(30 + i % days).AddSeconds(i / days + 1);
                string tenant = $"synthetic-{i % 50:D2}";
                string client = $"fake{i:D6}";
                string hash = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)));
                return new TableEntity(ExpiryIndex.DayOf(dueAt), $"{dueAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}|Token|{tenant}|{client}|{hash}")
                {
                    ["Kind"] = "Token",
                    ["DueAt"] = dueAt,
                    ["TenantId"] = tenant,
                    ["ClientId"] = client,
                    ["TokenHash"] = hash,
                };
            })
            .GroupBy(entity => entity.PartitionKey)
            .SelectMany(day => day.Chunk(100))
            .ToList();
        await Parallel.ForEachAsync(byDay, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (batch, token) =>
            await table.SubmitTransactionAsync(batch.Select(entity => new TableTransactionAction(TableTransactionActionType.Add, entity)), token));
    }

    private static async Task<int> CountIndexRowsAsync(TableClient table)
    {
        int count = 0;
        await foreach (TableEntity _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey ne {"checkpoint"}"), select: ["PartitionKey"]))
        {
            count++;
        }

        return count;
    }
}
