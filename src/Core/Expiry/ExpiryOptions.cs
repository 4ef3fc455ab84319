using BlueTokens.Core.Configuration;

namespace BlueTokens.Core.Expiry;

/// <summary>Settings under <c>Expiry__</c> (the schedule itself, <c>Expiry__Schedule</c>, is read by the host).</summary>
internal sealed class ExpiryOptions
{
    public const string Section = "Expiry";

    /// <summary>A <c>token.expiring</c> event is sent this many days before a token expires.</summary>
    public int WarningDays { get; set; } = 7;

    /// <summary>The most index entries one run handles; the rest wait for the next run.</summary>
    public int BatchSize { get; set; } = 1000;
}

internal sealed class ExpiryOptionsValidator : SettingsValidator<ExpiryOptions>
{
    protected override void Check(ExpiryOptions options, Action<string, string> fail)
    {
        if (options.WarningDays is < 0 or > 365)
        {
            fail("Expiry__WarningDays", "must be 0 to 365.");
        }

        if (options.BatchSize is < 1 or > 100_000)
        {
            fail("Expiry__BatchSize", "must be 1 to 100000.");
        }
    }
}
