namespace BlueTokens.Core.Clients;

internal static class Clock
{
    /// <summary>Now in UTC, to the millisecond: what storage round-trips exactly and what the API shows.</summary>
    public static DateTimeOffset Now(this TimeProvider time) => Truncate(time.GetUtcNow());

    public static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
