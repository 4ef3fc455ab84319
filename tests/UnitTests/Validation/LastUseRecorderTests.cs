using System.Collections.Concurrent;
using Azure.Data.Tables;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Usage;
using BlueTokens.Core.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;

namespace BlueTokens.UnitTests.Validation;

/// <summary>
/// Last use is noted lock-free and flushed while validations go on: whatever is noted, however it interleaves with
/// flushes, must reach the store, latest time per client, and a client's written time never goes back.
/// </summary>
public sealed class LastUseRecorderTests
{
    private readonly ConcurrentDictionary<(string Tenant, string Client), long> _written = new();
    private readonly ConcurrentDictionary<(string Client, DateOnly Day), long> _validTotals = new();
    private readonly LastUseRecorder _recorder;

    public LastUseRecorderTests()
    {
        var tables = new StorageTables(new TableServiceClient("UseDevelopmentStorage=true"), Options.Create(new StorageOptions()));
        var store = new Mock<ClientStore>(tables);
        store.Setup(s => s.SetLastUsedAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<(string ClientId, DateTimeOffset At)>>(), It.IsAny<CancellationToken>()))
            .Returns((string tenant, IReadOnlyList<(string ClientId, DateTimeOffset At)> uses, CancellationToken _) =>
            {
                foreach ((string client, DateTimeOffset at) in uses)
                {
                    _written.AddOrUpdate((tenant, client), at.UtcTicks, (_, earlier) =>
                        at.UtcTicks >= earlier ? at.UtcTicks : throw new InvalidOperationException($"{client}: written time went back"));
                }

                return Task.FromResult(uses.Count);
            });
        var usage = new Mock<UsageStore>(tables);
        usage.Setup(s => s.WriteAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<UsageRow>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<UsageRow> rows, CancellationToken _) =>
            {
                foreach (UsageRow row in rows)
                {
                    _validTotals[(row.ClientId, row.Day)] = row.Valid; // the instance's running total for the day
                }

                return Task.CompletedTask;
            });
        var ledger = new UsageLedger(usage.Object, TimeProvider.System, NullLogger<UsageLedger>.Instance);
        _recorder = new LastUseRecorder(store.Object, ledger, Options.Create(new ValidateOptions()), NullLogger<LastUseRecorder>.Instance);
    }

    [Fact]
    public async Task Flush_WritesTheLatestUseOfEachClient_AndForgetsIdleOnes()
    {
        var start = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        _recorder.Record("t1", "a", start.AddSeconds(2));
        _recorder.Record("t1", "a", start.AddSeconds(1)); // older: ignored
        _recorder.Record("t2", "b", start);

        Assert.Equal(2, await _recorder.FlushAsync());
        Assert.Equal(start.AddSeconds(2).UtcTicks, _written[("t1", "a")]);
        Assert.Equal(start.UtcTicks, _written[("t2", "b")]);

        Assert.Equal(0, await _recorder.FlushAsync()); // nothing new: no write, and the idle cells are retired
        _recorder.Record("t1", "a", start.AddSeconds(3)); // a retired client noted again
        Assert.Equal(1, await _recorder.FlushAsync());
        Assert.Equal(start.AddSeconds(3).UtcTicks, _written[("t1", "a")]);
    }

    [Fact]
    public async Task AUseNotedWhileAFlushForgetsTheClient_IsNotLost()
    {
        // Each round: every client is noted and flushed (its cell is left empty), then noted once more while a flush
        // runs, which retires empty cells. That last use is the client's latest; it must be written, whichever of the
        // two got to the cell first.
        const int Clients = 2_000;
        var start = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        for (int round = 1; round <= 20; round++)
        {
            string tenant = $"t{round}";
            DateTimeOffset first = start.AddMinutes(round), last = first.AddSeconds(30);
            for (int c = 0; c < Clients; c++)
            {
                _recorder.Record(tenant, $"c{c}", first);
            }

            await _recorder.FlushAsync();
            Task[] noting = Enumerable.Range(0, 2).Select(half => Task.Run(() =>
            {
                for (int c = half; c < Clients; c += 2)
                {
                    _recorder.Record(tenant, $"c{c}", last);
                }
            })).ToArray();
            Task flushing = Task.Run(() => _recorder.FlushAsync());
            await Task.WhenAll([.. noting, flushing]);
            await _recorder.FlushAsync();

            int lost = Enumerable.Range(0, Clients).Count(c => _written[(tenant, $"c{c}")] != last.UtcTicks);
            Assert.True(lost == 0, $"round {round}: {lost} of {Clients} last uses were not written");
        }
    }

    [Fact]
    public async Task AKeptCell_TakesUsesWithoutALookup_UntilAFlushSealsIt_OrItsDayEnds()
    {
        // A held answer keeps the cell of its last use and hands it back on the next hit. While that is the client's
        // open cell for the day, the use goes into it, and it is the very cell the flush reads; once a flush has
        // sealed it, or the UTC day is over, the use goes to the client's cell of that day instead. Nothing is lost
        // either way.
        var midnight = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        DateTimeOffset late = midnight.AddSeconds(-10); // yesterday
        ClientUse cell = _recorder.RecordIn(null, "t1", "a", late);
        Assert.Same(cell, _recorder.RecordIn(cell, "t1", "a", late.AddSeconds(1)));
        Assert.Same(cell, _recorder.RecordIn(null, "t1", "a", late.AddSeconds(2))); // the one the recorder lists

        await _recorder.FlushAsync(); // takes what is noted, leaves the cell in use
        Assert.Same(cell, _recorder.RecordIn(cell, "t1", "a", late.AddSeconds(3)));
        await _recorder.FlushAsync();
        await _recorder.FlushAsync(); // found empty: sealed and dropped

        ClientUse reopened = _recorder.RecordIn(cell, "t1", "a", late.AddSeconds(4));
        Assert.NotSame(cell, reopened);
        ClientUse today = _recorder.RecordIn(reopened, "t1", "a", midnight.AddSeconds(1));
        Assert.NotSame(reopened, today);
        Assert.Equal(reopened.Day + 1, today.Day);

        await _recorder.FlushAsync();
        Assert.Equal(5, _validTotals[("a", DateOnly.FromDateTime(late.UtcDateTime))]);
        Assert.Equal(1, _validTotals[("a", DateOnly.FromDateTime(midnight.UtcDateTime))]);
        Assert.Equal(midnight.AddSeconds(1).UtcTicks, _written[("t1", "a")]);
    }

    [Fact]
    public void Cell_OnceSealed_RefusesUses_SoThatTheyGoToANewCell()
    {
        // The interleaving a flush and a validate can produce: the validate holds the cell, the flush finds it empty,
        // seals and removes it, then the validate notes its use. The use must be refused, not silently dropped.
        var cell = new ClientUse(0);
        Assert.True(cell.Seal().IsEmpty);
        Assert.False(cell.Advance(100));
        Assert.False(cell.CountValid());
        Assert.False(cell.CountRefused());
        Assert.True(cell.Take().IsEmpty); // a sealed cell gives nothing and stays sealed
        Assert.True(cell.Seal().IsEmpty);
        Assert.False(cell.Advance(200));
        Assert.False(cell.CountValid());
    }

    [Fact]
    public void Cell_TakesWhatWasNoted_AndSealingGivesWhatCameSince()
    {
        var cell = new ClientUse(0);
        Assert.True(cell.Advance(100));
        Assert.True(cell.Advance(50)); // never back
        Assert.True(cell.CountValid());
        Assert.True(cell.CountRefused());
        Assert.Equal(new NotedUse(100, 1, 1), cell.Take());
        Assert.True(cell.Take().IsEmpty);

        // Noted between a flush's take and its seal: in what the seal returns, so not lost with the cell.
        Assert.True(cell.CountValid());
        Assert.Equal(new NotedUse(0, 1, 0), cell.Seal());
    }
}
