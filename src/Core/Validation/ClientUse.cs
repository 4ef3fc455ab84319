namespace BlueTokens.Core.Validation;

/// <summary>
/// What one client's validations of one UTC day noted and no flush has taken yet: the latest valid use (UTC ticks,
/// 0 for none) and the count of valid and of refused answers. Three words changed by single atomic instructions, no
/// lock. A flush takes what is noted and leaves the cell in use; a cell found empty (the client idle, or its day
/// over) is sealed and dropped, and from then on refuses anything more, so that what comes after goes to a new cell
/// rather than into one no flush will read again.
/// </summary>
internal sealed class ClientUse(int day)
{
    private const long RetiredTicks = -1;

    // Sealed counts stay negative whatever is added to them after (it would take 2^63 increments to come back).
    private const long SealedCount = long.MinValue;

    private long _ticks;
    private long _valid;
    private long _refused;

    /// <summary>The UTC day (DateOnly's day number) this cell counts.</summary>
    public int Day => day;

    /// <summary>Moves the noted time forward to <paramref name="ticks"/>, never back; false when the cell is sealed.</summary>
    public bool Advance(long ticks)
    {
        long seen = Volatile.Read(ref _ticks);
        while (seen != RetiredTicks)
        {
            if (ticks <= seen)
            {
                return true;
            }

            long found = Interlocked.CompareExchange(ref _ticks, ticks, seen);
            if (found == seen)
            {
                return true;
            }

            seen = found;
        }

        return false;
    }

    /// <summary>Counts one valid answer; false when the cell is sealed (the answer is not in it).</summary>
    public bool CountValid() => Interlocked.Increment(ref _valid) > 0;

    /// <summary>Counts one refused answer; false when the cell is sealed (the answer is not in it).</summary>
    public bool CountRefused() => Interlocked.Increment(ref _refused) > 0;

    /// <summary>What is noted, leaving none; nothing from a sealed cell.</summary>
    public NotedUse Take() => new(TakePositive(ref _ticks), TakePositive(ref _valid), TakePositive(ref _refused));

    /// <summary>
    /// What is noted, and no more may be: every use counted before this is in what it returns, every one after it
    /// is refused (and goes to a new cell). Sealing twice gives nothing the second time.
    /// </summary>
    public NotedUse Seal()
    {
        long ticks = Interlocked.Exchange(ref _ticks, RetiredTicks);
        long valid = Interlocked.Exchange(ref _valid, SealedCount);
        long refused = Interlocked.Exchange(ref _refused, SealedCount);
        return new(Math.Max(ticks, 0), Math.Max(valid, 0), Math.Max(refused, 0));
    }

    /// <summary>A word's value where it is positive, leaving 0; 0 where it is none, retired or sealed (negative).</summary>
    private static long TakePositive(ref long word)
    {
        long seen = Volatile.Read(ref word);
        while (seen > 0)
        {
            long found = Interlocked.CompareExchange(ref word, 0, seen);
            if (found == seen)
            {
                return seen;
            }

            seen = found;
        }

        return 0;
    }
}

/// <summary>What a flush took from a <see cref="ClientUse"/>: the latest use in UTC ticks (0 for none) and the counts.</summary>
internal readonly record struct NotedUse(long Ticks, long Valid, long Refused)
{
    public bool IsEmpty => Ticks == 0 && Valid == 0 && Refused == 0;
}
