using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Configuration;

/// <summary>
/// Base for options validators whose failures name the setting as an operator writes it
/// (<c>Tokens__EncryptionKey</c>), so that a bad deployment stops at start-up with a message that says what to fix.
/// </summary>
internal abstract class SettingsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        Check(options, (setting, problem) => failures.Add($"Setting {setting}: {problem}"));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    protected abstract void Check(TOptions options, Action<string, string> fail);
}
