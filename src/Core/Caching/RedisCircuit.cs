namespace BlueTokens.Core.Caching;

/// <summary>
/// Keeps calls away from a Redis that keeps failing: after <see cref="FailureThreshold"/> failures in a row the
/// circuit opens for <see cref="OpenFor"/>, during which callers skip Redis at no cost (validation answers from
/// the table); then one call is let through, and its success closes the circuit.
/// </summary>
internal sealed class RedisCircuit(TimeProvider time)
{
    public const int FailureThreshold = 3;
    public static readonly TimeSpan OpenFor = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private int _failures;
    private long _openUntil;
    private bool _probing;

    public bool IsOpen
    {
        get
        {
            lock (_lock)
            {
                return _openUntil > time.GetTimestamp();
            }
        }
    }

    /// <summary>True where a call may go to Redis now.</summary>
    public bool Allow()
    {
        lock (_lock)
        {
            if (_failures < FailureThreshold)
            {
                return true;
            }

            if (time.GetTimestamp() < _openUntil || _probing)
            {
                return false;
            }

            _probing = true; // half-open: this caller probes, the others keep skipping
            return true;
        }
    }

    public void Succeeded()
    {
        lock (_lock)
        {
            _failures = 0;
            _probing = false;
            _openUntil = 0;
        }
    }

    public void Failed()
    {
        lock (_lock)
        {
            _failures++;
            _probing = false;
            if (_failures >= FailureThreshold)
            {
                _openUntil = time.GetTimestamp() + (long)(OpenFor.TotalSeconds * time.TimestampFrequency);
            }
        }
    }
}
