using Azure.Data.Tables;
using BlueTokens.Core.Configuration;

namespace BlueTokens.Core.Storage;

internal sealed class StorageOptionsValidator : SettingsValidator<StorageOptions>
{
    protected override void Check(StorageOptions options, Action<string, string> fail)
    {
        if (options.TablePrefix.Length > 20 || !options.TablePrefix.All(char.IsAsciiLetterOrDigit)
            || (options.TablePrefix.Length > 0 && !char.IsAsciiLetter(options.TablePrefix[0])))
        {
            fail("Storage__TablePrefix", "may hold up to 20 ASCII letters and digits, starting with a letter.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            if (!Uri.TryCreate(options.TableServiceUri, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme != Uri.UriSchemeHttps)
            {
                fail(StorageOptions.ConnectionSetting, "required: a Table Storage connection string (UseDevelopmentStorage=true for Azurite), or TokenStorage__tableServiceUri (https) with TokenStorage__credential=managedidentity.");
            }

            return;
        }

        try
        {
            _ = new TableServiceClient(options.ConnectionString);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // Not echoed: a connection string carries the account key.
            fail(StorageOptions.ConnectionSetting, "is not a valid storage connection string.");
        }
    }
}
