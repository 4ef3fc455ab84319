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
    /// <summary>Sources tracked at most; past it, expired windows are dropped, and a new source goes untracked until there is room.</summary>
    internal const int MaxSources = 100_000;

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="source"/> has spent <paramref name="budget"/> in its current window here.</summary>
    public BudgetState Read(string source, int budget)
    {
        if (!_windows.TryGetValue(source, out Window? window))
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
            if (_windows.Count >= MaxSources)
            {
                DropExpired(now);
            }

            if (_windows.Count >= MaxSources)
            {
                return (1, TokenCache.FailureWindow); // no room: counted as a first failure, as an unknown source would be
            }

            window = _windows.GetOrAdd(source, static (_, start) => new Window(start), now);
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

    private void DropExpired(long now)
    {
        foreach ((string source, Window window) in _windows)
        {
            bool expired;
            lock (window)
            {
                expired = window.Left(now, time) <= TimeSpan.Zero;
            }

            if (expired)
            {
                _windows.TryRemove(new KeyValuePair<string, Window>(source, window));
            }
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
