using System.Collections.Concurrent;
using BlueTokens.Core.Caching;

namespace BlueTokens.Core.Validation;

/// <summary>
/// The failure budget of this instance alone, for when Redis cannot keep the shared one (API.md: "With Redis
/// unavailable the budget is still enforced, per instance"). The same fixed 60-second window opened by a source's
/// first failure, on this process's monotonic clock. Without it, a source sending junk while Redis is down would
/// cost one table read per well-formed token.
/// </summary>
internal sealed class LocalFailureBudget(TimeProvider time)
{
    /// <summary>
    /// Sources tracked one by one at most; past it, expired windows are dropped (at most once a second), and new
    /// sources share one overflow window until there is room, so that many sources cannot slip past the budget.
    /// </summary>
    internal const int MaxSources = 100_000;

    internal const string Overflow = "(overflow)";

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly Lock _dropping = new();
    private int _count;
    private long _nextDrop;

    /// <summary>Whether <paramref name="source"/> has spent <paramref name="budget"/> in its current window here.</summary>
    public BudgetState Read(string source, int budget)
    {
        if (!_windows.TryGetValue(source, out Window? window)
            && (Volatile.Read(ref _count) < MaxSources || !_windows.TryGetValue(Overflow, out window)))
        {
            return new BudgetState(false, TokenCache.FailureWindow);
        }

        lock (window)
        {
            TimeSpan left = window.Left(time.GetTimestamp(), time);
            return left > TimeSpan.Zero && window.Spent >= budget ? new BudgetState(true, left) : new BudgetState(false, TokenCache.FailureWindow);
        }
    }

    /// <summary>Spends one unit: the units spent in the source's window and how long it still runs.</summary>
    public (long Spent, TimeSpan WindowLeft) Spend(string source)
    {
        long now = time.GetTimestamp();
        if (!_windows.TryGetValue(source, out Window? window))
        {
            if (Volatile.Read(ref _count) >= MaxSources)
            {
                DropExpired(now);
            }

            // No room: the source spends from the one window every untracked source shares.
            string key = Volatile.Read(ref _count) >= MaxSources ? Overflow : source;
            var added = new Window(now);
            if (_windows.TryAdd(key, added))
            {
                Interlocked.Increment(ref _count);
                window = added;
            }
            else if (!_windows.TryGetValue(key, out window))
            {
                window = added; // dropped again meanwhile: count this failure in a window of its own
            }
        }

        lock (window)
        {
            if (window.Left(now, time) <= TimeSpan.Zero)
            {
                window.Restart(now);
            }

            window.Spent++;
            return (window.Spent, window.Left(now, time));
        }
    }

    /// <summary>Drops the windows that have ended; at most once a second, by one thread, so a flood of new sources cannot make every request scan.</summary>
    private void DropExpired(long now)
    {
        if (now < Volatile.Read(ref _nextDrop) || !_dropping.TryEnter())
        {
            return;
        }

        try
        {
            foreach ((string source, Window window) in _windows)
            {
                bool expired;
                lock (window)
                {
                    expired = window.Left(now, time) <= TimeSpan.Zero;
                }

                if (expired && _windows.TryRemove(new KeyValuePair<string, Window>(source, window)))
                {
                    Interlocked.Decrement(ref _count);
                }
            }

            Volatile.Write(ref _nextDrop, now + time.TimestampFrequency);
        }
        finally
        {
            _dropping.Exit();
        }
    }

    private sealed class Window(long startedAt)
    {
        private long _startedAt = startedAt;

        public long Spent { get; set; }

        public TimeSpan Left(long now, TimeProvider time) => TokenCache.FailureWindow - time.GetElapsedTime(_startedAt, now);

        public void Restart(long now)
        {
            _startedAt = now;
            Spent = 0;
        }
    }
}
