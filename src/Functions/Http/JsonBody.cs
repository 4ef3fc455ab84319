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
    /// <summary>
    /// Unknown fields named in an answer, at most; the rest are counted. Each costs a message, and a 64 KiB body of
    /// short unknown names must not buy an answer several times its size.
    /// </summary>
    public const int MaxUnknownFieldsNamed = 10;

    /// <summary>An unknown field's name is shown cut to this length, for the same reason: the writer escapes <c>&lt;</c> as six bytes.</summary>
    public const int MaxNameShown = 64;

    private readonly JsonElement _root;

    public JsonBody(JsonElement root, IReadOnlyCollection<string> knownFields)
    {
        _root = root;
        int unknown = 0;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!knownFields.Contains(property.Name) && ++unknown <= MaxUnknownFieldsNamed)
            {
                Errors.Add(Shown(property.Name), $"Unknown field; this request takes {string.Join(", ", knownFields)}.");
            }
        }

        if (unknown > MaxUnknownFieldsNamed)
        {
            Errors.Add("body", $"{unknown} unknown fields; the first {MaxUnknownFieldsNamed} are named, {unknown - MaxUnknownFieldsNamed} more are left out.");
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

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escape that decodes to no text (an unpaired surrogate): the client's mistake, about this field.
            Errors.Add(name, "Must be valid Unicode text; it holds an unpaired surrogate escape such as \\ud800.");
            return null;
        }
    }

    /// <summary>An array of strings (each checked as <see cref="String"/> would); null where absent.</summary>
    public IReadOnlyList<string?>? StringArray(string name)
    {
        if (!TryGet(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            Errors.Add(name, "Must be an array of strings.");
            return null;
        }

        var strings = new List<string?>(value.GetArrayLength());
        foreach (JsonElement item in value.EnumerateArray())
        {
            try
            {
                strings.Add(item.GetString());
            }
            catch (InvalidOperationException)
            {
                Errors.Add(name, "Must hold valid Unicode text; an item holds an unpaired surrogate escape such as \\ud800.");
                return null;
            }
        }

        return strings;
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

    private static string Shown(string name)
    {
        if (name.Length <= MaxNameShown)
        {
            return name;
        }

        int length = char.IsHighSurrogate(name[MaxNameShown - 1]) ? MaxNameShown - 1 : MaxNameShown;
        return string.Concat(name.AsSpan(0, length), "…");
    }

    private bool TryGet(string name, out JsonElement value) =>
        _root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
}
