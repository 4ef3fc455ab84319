using System.Text.Json;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace BlueTokens.LocalHost;

/// <summary>
/// Reads the <c>Values</c> of <c>local.settings.json</c> as the Functions host does: as app settings whose
/// <c>__</c> separates sections, below environment variables of the same name.
/// </summary>
internal static class LocalSettings
{
    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        using JsonDocument document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out JsonElement settings))
        {
            foreach (JsonProperty setting in settings.EnumerateObject())
            {
                values[setting.Name.Replace("__", ":", StringComparison.Ordinal)] =
                    setting.Value.ValueKind == JsonValueKind.String ? setting.Value.GetString() : setting.Value.GetRawText();
            }
        }

        return values;
    }

    /// <summary>Puts the settings just below the environment variables, so that an environment variable wins.</summary>
    public static void AddBelowEnvironment(IConfigurationBuilder configuration, IReadOnlyDictionary<string, string?> values)
    {
        var source = new MemoryConfigurationSource { InitialData = values };
        int environment = configuration.Sources
            .Select((existing, index) => (existing, index))
            .FirstOrDefault(pair => pair.existing is EnvironmentVariablesConfigurationSource)
            .index;
        configuration.Sources.Insert(environment, source);
    }
}
