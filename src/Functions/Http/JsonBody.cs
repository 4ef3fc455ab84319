using System.Globalization;
using System.Text.Json;

namespace BlueTokens.Functions.Http;

/// <summary>
/// Reads the fields of a JSON object body with an error per field for a wrong type, so that a client learns
/// exactly what to fix. A JSON <c>null</c> counts as absent; unknown fields are refused (a typo such as
/// <c>expiresInDay</c> must not silently fall back to a default).
/// </summary>
internal sealed class JsonBody
{
    private readonly JsonElement _root;

    public JsonBody(JsonElement root, IReadOnlyCollection<string> knownFields)
    {
        _root = root;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!knownFields.Contains(property.Name))
            {
                Errors.Add(property.Name, $"Unknown field; this request takes {string.Join(", ", knownFields)}.");
            }
        }
    }

    public FieldErrors Errors { get; } = new();

    public bool HasErrors => !Errors.IsEmpty;

    public string? String(string name)
    {
        if (!TryGet(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Errors.Add(name, "Must be a string.");
            return null;
        }

        return value.GetString();
    }

    public int? Integer(string name)
    {
        if (!TryGet(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int number))
        {
            Errors.Add(name, "Must be a whole number.");
            return null;
        }

        return number;
    }

    /// <summary>An ISO 8601 timestamp with a zone (<c>Z</c> or an offset): a time without one is ambiguous.</summary>
    public DateTimeOffset? Timestamp(string name)
    {
        string? text = String(name);
        if (text is null)
        {
            return null;
        }

        string[] formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];
        if (text.Length > 0 && (text[^1] is 'Z' or 'z' || text.LastIndexOfAny(['+', '-']) > 10)
            && DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset at))
        {
            return at;
        }

        Errors.Add(name, "Must be an ISO 8601 timestamp with a zone, such as 2027-02-26T10:00:00Z.");
        return null;
    }

    private bool TryGet(string name, out JsonElement value) =>
        _root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
}
