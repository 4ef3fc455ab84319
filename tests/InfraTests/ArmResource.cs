using System.Text.Json;
using System.Text.RegularExpressions;

namespace BlueTokens.InfraTests;

/// <summary>
/// One resource of a compiled ARM template, with the template that declares it (a module's nested template),
/// so that <c>variables('…')</c> in its expressions can be read back.
/// </summary>
public sealed partial class ArmResource(JsonElement element, JsonElement template)
{
    public JsonElement Element { get; } = element;

    public string Type => Element.GetProperty("type").GetString() ?? "";

    public string Name => Element.GetProperty("name").GetString() ?? "";

    public string ApiVersion => Element.TryGetProperty("apiVersion", out JsonElement version) ? version.GetString() ?? "" : "";

    public JsonElement Properties =>
        Element.TryGetProperty("properties", out JsonElement properties) ? properties : default;

    /// <summary>A string property at a dotted path under <c>properties</c>, or null.</summary>
    public string? PropertyString(string path)
    {
        JsonElement? value = Property(path);
        return value is { ValueKind: JsonValueKind.String } ? value.Value.GetString() : null;
    }

    public JsonElement? Property(string path)
    {
        JsonElement current = Properties;
        foreach (string segment in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>
    /// A property at a dotted path under <c>properties</c>, or null; where its whole value is
    /// <c>[variables('name')]</c>, that variable's value (of any type) instead.
    /// </summary>
    public JsonElement? ResolvedProperty(string path)
    {
        JsonElement? value = Property(path);
        if (value is { ValueKind: JsonValueKind.String } text
            && WholeVariableReference().Match(text.GetString() ?? "") is { Success: true } match
            && template.TryGetProperty("variables", out JsonElement variables)
            && variables.TryGetProperty(match.Groups["name"].Value, out JsonElement resolved))
        {
            return resolved;
        }

        return value;
    }

    /// <summary>An expression with each <c>variables('name')</c> replaced by that variable's string value.</summary>
    public string ResolveVariables(string expression) =>
        VariableReference().Replace(expression, match =>
            template.TryGetProperty("variables", out JsonElement variables)
            && variables.TryGetProperty(match.Groups["name"].Value, out JsonElement value)
            && value.ValueKind == JsonValueKind.String
                ? $"'{value.GetString()}'"
                : match.Value);

    public static IReadOnlyList<ArmResource> OfType(IEnumerable<ArmResource> resources, string type) =>
        resources.Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The single resource of a type, failing with the list of what there is otherwise.</summary>
    public static ArmResource Single(IReadOnlyList<ArmResource> resources, string type)
    {
        IReadOnlyList<ArmResource> found = OfType(resources, type);
        Assert.True(found.Count == 1, $"Expected one {type}, found {found.Count}. Types: {string.Join(", ", resources.Select(r => r.Type).Distinct())}");
        return found[0];
    }

    /// <summary>Every resource of a template, walking into nested deployments (what Bicep modules compile to).</summary>
    public static IReadOnlyList<ArmResource> Flatten(JsonElement template)
    {
        var all = new List<ArmResource>();
        Collect(template, all);
        return all;
    }

    private static void Collect(JsonElement template, List<ArmResource> all)
    {
        if (!template.TryGetProperty("resources", out JsonElement resources))
        {
            return;
        }

        // Templates in languageVersion 2.0 keep resources in an object keyed by symbolic name.
        IEnumerable<JsonElement> items = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(property => property.Value)
            : resources.EnumerateArray();
        foreach (JsonElement item in items)
        {
            var resource = new ArmResource(item, template);
            all.Add(resource);
            if (resource.Property("template") is { ValueKind: JsonValueKind.Object } nested)
            {
                Collect(nested, all);
            }
        }
    }

    [GeneratedRegex(@"variables\('(?<name>[^']+)'\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)\]$")]
    private static partial Regex WholeVariableReference();
}
