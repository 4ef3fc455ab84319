using System.Collections.Concurrent;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Validation;

/// <summary>
/// The answers this instance gave recently, each held under a lease of <c>Cache__LocalLease</c> that starts at a
/// monotonic timestamp taken before the Redis (or table) read that produced it, so a lease can only start before
/// the state it holds was read. Every change that can turn a valid answer into another waits the lease out (plus
/// a margin for clock-rate drift) after its cache write is acknowledged, before it returns to the caller
/// (<see cref="WaitOutAsync"/>): by then no instance can still hold an answer read before that write, and no
/// invalidation message has to arrive. Reads are lock-free; the size is capped (<c>Cache__LocalCapacity</c>), and
/// since nothing outlives its lease, a sweep of expired answers keeps it there.
/// </summary>
internal sealed class LocalAnswers
{
    private readonly ConcurrentDictionary<TokenHash, Answer> _answers = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lease;
    private readonly long _leaseTicks;
    private readonly int _capacity;
    private readonly Lock _sweeping = new();
    private int _count;
    private long _nextSweep;

    /// <summary>
    /// Leases run on the machine's own monotonic clock, not the injected business clock: a lease is a physical
    /// interval between two instances' reads and writes, and a test that moves the business clock (expiry) must not
    /// stretch or shrink it.
    /// </summary>
    public LocalAnswers(IOptions<CacheOptions> options)
        : this(options, TimeProvider.System)
    {
    }

    internal LocalAnswers(IOptions<CacheOptions> options, TimeProvider time)
    {
        _time = time;
        _lease = options.Value.LocalLease;
        _leaseTicks = (long)(_lease.TotalSeconds * time.TimestampFrequency);
        _capacity = options.Value.LocalCapacity;
    }

    public bool Enabled => _leaseTicks > 0;

    /// <summary>How many answers are held now (ended leases included until a sweep takes them).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// What a revocation waits after its cache write was acknowledged: the lease, and a margin for the rate at which
    /// another machine's clock may run slow against ours (NTP slews a clock by at most 500 ppm; the margin allows
    /// twenty times that) and for timer granularity.
    /// </summary>
    public TimeSpan RevocationWait => Enabled ? _lease + _lease / 100 + TimeSpan.FromMilliseconds(5) : TimeSpan.Zero;

    /// <summary>Where a lease starts: call before the read whose answer it will hold.</summary>
    public long LeaseStart() => _time.GetTimestamp();

    /// <summary>The answer held for <paramref name="hash"/>, where its lease still runs at <paramref name="now"/>.</summary>
    public bool TryGet(in TokenHash hash, long now, out Answer answer)
    {
        if (_leaseTicks > 0 && _answers.TryGetValue(hash, out Answer? held) && now - held.LeaseStart < _leaseTicks)
        {
            answer = held;
            return true;
        }

        answer = null!;
        return false;
    }

    /// <summary>Holds a token's state as read after <paramref name="leaseStart"/> (a miss holds nothing).</summary>
    public void Hold(in TokenHash hash, long leaseStart, CachedToken token)
    {
        if (_leaseTicks == 0 || token.Kind == CachedTokenKind.Miss)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (now - leaseStart >= _leaseTicks)
        {
            return; // the read took longer than the lease: it would be expired on arrival
        }

        if (_answers.TryGetValue(hash, out Answer? old))
        {
            if (old.LeaseStart < leaseStart)
            {
                _answers.TryUpdate(hash, new Answer(leaseStart, token.Kind, token.Entry), old);
            }

            return;
        }

        if (Volatile.Read(ref _count) >= _capacity || now >= Volatile.Read(ref _nextSweep))
        {
            Sweep(now);
            if (Volatile.Read(ref _count) >= _capacity)
            {
                return; // more distinct tokens within one lease than the cap: these go to Redis every time
            }
        }

        if (_answers.TryAdd(hash, new Answer(leaseStart, token.Kind, token.Entry)))
        {
            Interlocked.Increment(ref _count);
        }
    }

    /// <summary>Waits until no answer read before a write acknowledged at <paramref name="acknowledgedAt"/> can still be held anywhere.</summary>
    public async Task WaitOutAsync(long acknowledgedAt, CancellationToken cancellationToken = default)
    {
        TimeSpan wait = RevocationWait;
        for (TimeSpan left = wait - _time.GetElapsedTime(acknowledgedAt); left > TimeSpan.Zero; left = wait - _time.GetElapsedTime(acknowledgedAt))
        {
            // A timer may fire a little early: the monotonic clock, not the timer, decides when it is over.
            await Task.Delay(left, _time, cancellationToken);
        }
    }

    private void Sweep(long now)
    {
        if (!_sweeping.TryEnter())
        {
            return; // another thread sweeps
        }

        try
        {
            foreach ((TokenHash hash, Answer answer) in _answers)
            {
                if (now - answer.LeaseStart >= _leaseTicks && _answers.TryRemove(new KeyValuePair<TokenHash, Answer>(hash, answer)))
                {
                    Interlocked.Decrement(ref _count);
                }
            }

            Volatile.Write(ref _nextSweep, now + _leaseTicks);
        }
        finally
        {
            _sweeping.Exit();
        }
    }

    /// <summary>One held answer: the token's state as the cache or the table gave it, judged against the clock at each use.</summary>
    internal sealed class Answer(long leaseStart, CachedTokenKind kind, TokenCacheEntry? entry)
    {
        public long LeaseStart => leaseStart;

        public CachedTokenKind Kind => kind;

        public TokenCacheEntry? Entry => entry;

        /// <summary>The valid result for this entry, made once and handed out to every hit of the lease.</summary>
        public ValidationResult? Valid { get; set; }

        /// <summary>The usage cell its valid hits were last noted in (see <see cref="LastUseRecorder.RecordIn"/>).</summary>
        public ClientUse? Use { get; set; }
    }
}
