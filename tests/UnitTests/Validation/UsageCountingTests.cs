using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Usage;
using BlueTokens.Core.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace BlueTokens.UnitTests.Validation;

/// <summary>
/// Usage is counted lock-free beside last use and flushed with it: every answer counted, however it interleaves with
/// flushes, must reach its UTC day's row exactly once; a failed write is kept for the next flush; a row is indexed
/// for retention before its first write.
/// </summary>
public sealed class UsageCountingTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private readonly ConcurrentDictionary<(string Tenant, string Client, DateOnly Day, string Instance), (long Valid, long Refused)> _rows = new();
    private readonly ConcurrentBag<(DateOnly Day, UsageRowId Row)> _indexed = [];
    private readonly Mock<UsageStore> _store;
    private readonly FakeTimeProvider _clock = new(Noon);
    private readonly LastUseRecorder _recorder;
    private int _failWrites;

    public UsageCountingTests()
    {
        var tables = new StorageTables(new TableServiceClient("UseDevelopmentStorage=true"), Options.Create(new StorageOptions()));
        var clients = new Mock<ClientStore>(tables);
        clients.Setup(s => s.SetLastUsedAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<(string ClientId, DateTimeOffset At)>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<(string ClientId, DateTimeOffset At)> uses, CancellationToken _) => Task.FromResult(uses.Count));
        _store = new Mock<UsageStore>(tables);
        _store.Setup(s => s.WriteAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<UsageRow>>(), It.IsAny<CancellationToken>()))
            .Returns((string tenant, IReadOnlyList<UsageRow> rows, CancellationToken _) =>
            {
                if (Interlocked.Decrement(ref _failWrites) >= 0)
                {
                    throw new RequestFailedException(503, "Storage is unavailable.");
                }

                foreach (UsageRow row in rows)
                {
                    Assert.Equal(tenant, row.TenantId);
                    Assert.Contains(_indexed, entry => entry.Row == new UsageRowId(row.TenantId, row.ClientId, row.Day, row.Instance));
                    _rows[(row.TenantId, row.ClientId, row.Day, row.Instance)] = (row.Valid, row.Refused); // a whole total, replaced
                }

                return Task.CompletedTask;
            });
        _store.Setup(s => s.IndexAsync(It.IsAny<DateOnly>(), It.IsAny<IReadOnlyList<UsageRowId>>(), It.IsAny<CancellationToken>()))
            .Returns((DateOnly day, IReadOnlyList<UsageRowId> rows, CancellationToken _) =>
            {
                foreach (UsageRowId row in rows)
                {
                    Assert.Equal(day, row.Day);
                    _indexed.Add((day, row));
                }

                return Task.CompletedTask;
            });
        _store.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateOnly>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string tenant, string client, DateOnly day, string instance, CancellationToken _) =>
                Task.FromResult(_rows.TryGetValue((tenant, client, day, instance), out var row) ? new UsageRow(tenant, client, day, instance, row.Valid, row.Refused) : null));
        var ledger = new UsageLedger(_store.Object, _clock, NullLogger<UsageLedger>.Instance);
        _recorder = new LastUseRecorder(clients.Object, ledger, Options.Create(new ValidateOptions()), NullLogger<LastUseRecorder>.Instance);
    }

    private (long Valid, long Refused) Day(string tenant, string client, DateOnly day) =>
        _rows.Where(row => row.Key.Tenant == tenant && row.Key.Client == client && row.Key.Day == day)
            .Aggregate((0L, 0L), (sum, row) => (sum.Item1 + row.Value.Valid, sum.Item2 + row.Value.Refused));

    [Fact]
    public async Task Counts_FromManyThreads_WhileFlushesRun_AreEachWrittenOnce()
    {
        // Four validating threads on a few clients, and flushes running all the while: each flush takes cells that
        // are being counted into, and seals the ones it finds empty. Nothing may be lost or counted twice.
        const int PerThread = 20_000;
        string[] clients = ["a", "b", "c"];
        using var stop = new CancellationTokenSource();
        Task flushing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await _recorder.FlushAsync();
            }
        });
        Task[] counting = Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                string client = clients[(i + thread) % clients.Length];
                if (i % 4 == 0)
                {
                    _recorder.Count("t1", client, ValidationCode.Disabled, Noon.AddTicks(i));
                }
                else
                {
                    _recorder.Record("t1", client, Noon.AddTicks(i));
                }
            }
        })).ToArray();

        await Task.WhenAll(counting);
        await stop.CancelAsync();
        await flushing;
        await _recorder.FlushAsync();

        DateOnly today = DateOnly.FromDateTime(Noon.UtcDateTime);
        long valid = clients.Sum(client => Day("t1", client, today).Valid);
        long refused = clients.Sum(client => Day("t1", client, today).Refused);
        Assert.Equal(4 * PerThread * 3 / 4, valid);
        Assert.Equal(4 * PerThread / 4, refused);
    }

    [Fact]
    public async Task Counts_StraddlingMidnightUtc_GoToTheDayOfTheirAnswer()
    {
        var midnight = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        _clock.SetUtcNow(midnight.AddMinutes(-1));
        _recorder.Record("t1", "a", midnight.AddTicks(-1));
        _recorder.Count("t1", "a", ValidationCode.Expired, midnight.AddTicks(-1));
        await _recorder.FlushAsync();
        _clock.SetUtcNow(midnight.AddMinutes(1));
        _recorder.Record("t1", "a", midnight);
        _recorder.Record("t1", "a", midnight.AddSeconds(1));
        _recorder.Record("t1", "a", midnight.AddTicks(-2)); // answered before midnight, noted after it
        await _recorder.FlushAsync();

        Assert.Equal((2, 1), Day("t1", "a", new DateOnly(2026, 11, 28)));
        Assert.Equal((2, 0), Day("t1", "a", new DateOnly(2026, 11, 29)));
    }

    [Fact]
    public async Task OnlyValidAndTheThreeRefusals_AreCounted()
    {
        _recorder.Count("t1", "a", ValidationCode.Valid, Noon);
        _recorder.Count("t1", "a", ValidationCode.Disabled, Noon);
        _recorder.Count("t1", "a", ValidationCode.Expired, Noon);
        _recorder.Count("t1", "a", ValidationCode.NetworkNotAllowed, Noon);
        _recorder.Count("t1", "a", ValidationCode.RateLimited, Noon);
        _recorder.Count("t1", "a", ValidationCode.InvalidToken, Noon);
        await _recorder.FlushAsync();

        Assert.Equal((1, 3), Day("t1", "a", DateOnly.FromDateTime(Noon.UtcDateTime)));
    }

    [Fact]
    public async Task FailedWrite_IsKeptForTheNextFlush_AndWrittenAsTheWholeTotal()
    {
        DateOnly today = DateOnly.FromDateTime(Noon.UtcDateTime);
        _recorder.Record("t1", "a", Noon);
        _recorder.Record("t1", "a", Noon);
        _failWrites = 1;
        await _recorder.FlushAsync();
        Assert.Equal((0, 0), Day("t1", "a", today));

        _recorder.Record("t1", "a", Noon.AddSeconds(1));
        await _recorder.FlushAsync();
        Assert.Equal((3, 0), Day("t1", "a", today));

        await _recorder.FlushAsync(); // nothing new: the total is written, and written once
        Assert.Equal((3, 0), Day("t1", "a", today));
        Assert.Single(_rows);
        Assert.Single(_indexed);
    }

    [Fact]
    public async Task LateCount_ForADayNoLongerHeld_IsAddedToTheRowReadBack()
    {
        DateOnly today = DateOnly.FromDateTime(Noon.UtcDateTime);
        _recorder.Record("t1", "a", Noon);
        await _recorder.FlushAsync();
        _clock.Advance(TimeSpan.FromDays(3));
        await _recorder.FlushAsync(); // the day is long over: its total is forgotten

        _recorder.Record("t1", "a", Noon.AddSeconds(1)); // answered then, counted only now
        await _recorder.FlushAsync();

        Assert.Equal((2, 0), Day("t1", "a", today));
        _store.Verify(s => s.GetAsync("t1", "a", today, It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Single(_indexed); // the row was indexed already
    }

    [Fact]
    public async Task TwoInstances_WriteRowsOfTheirOwn()
    {
        var other = new LastUseRecorder(
            new Mock<ClientStore>(new StorageTables(new TableServiceClient("UseDevelopmentStorage=true"), Options.Create(new StorageOptions()))).Object,
            new UsageLedger(_store.Object, _clock, NullLogger<UsageLedger>.Instance),
            Options.Create(new ValidateOptions()),
            NullLogger<LastUseRecorder>.Instance);
        _recorder.Record("t1", "a", Noon);
        other.Record("t1", "a", Noon);
        other.Record("t1", "a", Noon);
        await Task.WhenAll(_recorder.FlushAsync(), other.FlushAsync());

        Assert.Equal(2, _rows.Count);
        Assert.Equal((3, 0), Day("t1", "a", DateOnly.FromDateTime(Noon.UtcDateTime)));
    }
}
