using System.Security.Cryptography;
using System.Text;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Tokens;
using BlueTokens.Core.Validation;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.UnitTests.Validation;

public sealed class LocalAnswersTests
{
    private static readonly TokenCacheEntry Entry = new("t", "c", "BI", "analyst", 4_102_444_800_000, false, false);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AnAnswer_IsHeldForItsLease_CountedFromBeforeTheRead()
    {
        LocalAnswers local = New(TimeSpan.FromMilliseconds(500));
        TokenHash hash = Hash("a");
        long start = local.LeaseStart();
        _time.Advance(TimeSpan.FromMilliseconds(100)); // the read takes 100 ms

        local.Hold(hash, start, new CachedToken(CachedTokenKind.Live, Entry));

        _time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.True(local.TryGet(hash, local.LeaseStart(), out LocalAnswers.Answer answer));
        Assert.Same(Entry, answer.Entry);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(local.TryGet(hash, local.LeaseStart(), out _)); // 500 ms after the read began, not after it ended
    }

    [Fact]
    public void AReadSlowerThanTheLease_IsNotHeldAtAll()
    {
        LocalAnswers local = New(TimeSpan.FromMilliseconds(500));
        long start = local.LeaseStart();
        _time.Advance(TimeSpan.FromMilliseconds(500));

        local.Hold(Hash("a"), start, new CachedToken(CachedTokenKind.Live, Entry));

        Assert.False(local.TryGet(Hash("a"), start, out _));
    }

    [Fact]
    public void AnOlderRead_NeverReplacesANewerOne()
    {
        LocalAnswers local = New(TimeSpan.FromMilliseconds(500));
        long older = local.LeaseStart();
        _time.Advance(TimeSpan.FromMilliseconds(10));
        long newer = local.LeaseStart();

        local.Hold(Hash("a"), newer, new CachedToken(CachedTokenKind.Revoked, null));
        local.Hold(Hash("a"), older, new CachedToken(CachedTokenKind.Live, Entry));

        Assert.True(local.TryGet(Hash("a"), local.LeaseStart(), out LocalAnswers.Answer answer));
        Assert.Equal(CachedTokenKind.Revoked, answer.Kind);
    }

    [Fact]
    public void AMiss_IsNeverHeld_AndALeaseOfZero_HoldsNothing()
    {
        LocalAnswers on = New(TimeSpan.FromMilliseconds(500));
        on.Hold(Hash("a"), on.LeaseStart(), CachedToken.Miss);
        Assert.False(on.TryGet(Hash("a"), on.LeaseStart(), out _));

        LocalAnswers off = New(TimeSpan.Zero);
        off.Hold(Hash("a"), off.LeaseStart(), new CachedToken(CachedTokenKind.Live, Entry));
        Assert.False(off.TryGet(Hash("a"), off.LeaseStart(), out _));
        Assert.Equal(TimeSpan.Zero, off.RevocationWait);
    }

    [Fact]
    public void PastItsCapacity_ItHoldsNoMore_UntilTheSweepOfEndedLeases()
    {
        LocalAnswers local = New(TimeSpan.FromMilliseconds(500), capacity: 1_000);
        for (int i = 0; i < 1_000; i++)
        {
            local.Hold(Hash($"t{i}"), local.LeaseStart(), new CachedToken(CachedTokenKind.Live, Entry));
        }

        local.Hold(Hash("one-too-many"), local.LeaseStart(), new CachedToken(CachedTokenKind.Live, Entry));
        Assert.False(local.TryGet(Hash("one-too-many"), local.LeaseStart(), out _));

        _time.Advance(TimeSpan.FromMilliseconds(500));
        local.Hold(Hash("after-the-sweep"), local.LeaseStart(), new CachedToken(CachedTokenKind.Live, Entry));
        Assert.True(local.TryGet(Hash("after-the-sweep"), local.LeaseStart(), out _));
    }

    [Fact]
    public async Task WaitOut_EndsOnlyOnceTheLeaseAndItsMarginHavePassedSinceTheAcknowledgement()
    {
        LocalAnswers local = New(TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.FromMilliseconds(510), local.RevocationWait); // 1 % and 5 ms of margin
        long acknowledged = local.LeaseStart();
        _time.Advance(TimeSpan.FromMilliseconds(200));

        Task wait = local.WaitOutAsync(acknowledged);
        _time.Advance(TimeSpan.FromMilliseconds(309));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private LocalAnswers New(TimeSpan lease, int capacity = 100_000) =>
        new(Options.Create(new CacheOptions { LocalLease = lease, LocalCapacity = capacity }), _time);

    private static TokenHash Hash(string text) => new(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
