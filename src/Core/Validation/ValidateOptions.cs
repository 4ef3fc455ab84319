using BlueTokens.Core.Configuration;

namespace BlueTokens.Core.Validation;

/// <summary>Settings under <c>Validate__</c>.</summary>
internal sealed class ValidateOptions
{
    public const string Section = "Validate";

    /// <summary>Failed validations a source may make in its 60-second window before it gets 429.</summary>
    public int MaxFailuresPerMinute { get; set; } = 60;

    /// <summary>How often recorded last uses are written to the clients' rows.</summary>
    public TimeSpan LastUseFlushInterval { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class ValidateOptionsValidator : SettingsValidator<ValidateOptions>
{
    protected override void Check(ValidateOptions options, Action<string, string> fail)
    {
        if (options.MaxFailuresPerMinute < 1)
        {
            fail("Validate__MaxFailuresPerMinute", "must be at least 1.");
        }

        if (options.LastUseFlushInterval < TimeSpan.FromSeconds(1) || options.LastUseFlushInterval > TimeSpan.FromMinutes(1))
        {
            fail("Validate__LastUseFlushInterval", "must be between 00:00:01 and 00:01:00 (lastUsedAt is at most a minute old).");
        }
    }
}
