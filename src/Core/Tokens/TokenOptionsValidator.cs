using BlueTokens.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace BlueTokens.Core.Tokens;

internal sealed class TokenOptionsValidator(IConfiguration configuration) : SettingsValidator<TokenOptions>
{
    protected override void Check(TokenOptions options, Action<string, string> fail)
    {
        if (!IsKey(options.EncryptionKey))
        {
            fail("Tokens__EncryptionKey", "required, base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`).");
        }
        else if (options.EncryptionKey == SampleSecrets.EncryptionKey && !RunSite.IsLocalRun(configuration))
        {
            // A previous key may still be the sample one: the rewrap must be able to read what it encrypted.
            fail("Tokens__EncryptionKey", "the key from local.settings.sample.json is public and accepted only in a local run "
                + "(AZURE_FUNCTIONS_ENVIRONMENT=Development, outside Azure); make one with `openssl rand -base64 32`.");
        }

        foreach (string previous in TokenProtector.SplitKeys(options.PreviousEncryptionKeys))
        {
            if (!IsKey(previous))
            {
                fail("Tokens__PreviousEncryptionKeys", "each entry must be base64 of exactly 32 bytes.");
                break;
            }
        }

        if (options.MinLifetime <= TimeSpan.Zero)
        {
            fail("Tokens__MinLifetime", "must be a positive time span such as 1.00:00:00.");
        }

        if (options.MaxLifetimeDays < 1 || TimeSpan.FromDays(options.MaxLifetimeDays) < options.MinLifetime)
        {
            fail("Tokens__MaxLifetimeDays", "must be at least 1 and no shorter than Tokens__MinLifetime.");
        }

        if (options.DefaultLifetimeDays < 1 || options.DefaultLifetimeDays > options.MaxLifetimeDays
            || TimeSpan.FromDays(options.DefaultLifetimeDays) < options.MinLifetime)
        {
            fail("Tokens__DefaultLifetimeDays", "must lie between Tokens__MinLifetime and Tokens__MaxLifetimeDays.");
        }
    }

    private static bool IsKey(string? base64)
    {
        Span<byte> buffer = stackalloc byte[48];
        return !string.IsNullOrWhiteSpace(base64)
            && Convert.TryFromBase64String(base64, buffer, out int written)
            && written == 32;
    }
}
