using BlueTokens.Core.Configuration;

namespace BlueTokens.Core.Events;

/// <summary>Settings under <c>Events__</c>.</summary>
internal sealed class EventOptions
{
    public const string Section = "Events";

    public string QueueName { get; set; } = "token-events";
}

internal sealed class EventOptionsValidator : SettingsValidator<EventOptions>
{
    protected override void Check(EventOptions options, Action<string, string> fail)
    {
        // Storage queue names: 3 to 63 lower-case letters, digits and single hyphens, starting and ending alphanumeric.
        string name = options.QueueName ?? "";
        bool valid = name.Length is >= 3 and <= 63
            && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            fail("Events__QueueName", "must be a storage queue name: 3 to 63 lower-case letters, digits and single hyphens.");
        }
    }
}
