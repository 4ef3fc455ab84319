using System.Text.Json;
using BlueTokens.Core.SecretScanning;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.SecretScanning;

/// <summary>
/// How a secret scanning report is read: its signature headers, its raw body (within 1 MiB, never more read), and,
/// only once the signature holds, its items.
/// </summary>
internal static class SignedReport
{
    public const int MaxBodyBytes = 1024 * 1024;
    public const string IdentifierHeader = "Github-Public-Key-Identifier";
    public const string SignatureHeader = "Github-Public-Key-Signature";

    /// <summary>Item errors named in an answer, at most: a 1 MiB report of bad items must not buy a larger answer.</summary>
    public const int MaxErrorsNamed = 10;

    // The report's strings as the client row and the audit keep them: far above what GitHub sends, far below a row's limit.
    private const int MaxUrlLength = 4096;
    private const int MaxTypeOrSourceLength = 256;

    // A key identifier is 64 hex characters, and a DER ECDSA P-256 signature at most 72 bytes (96 characters of base64).
    private const int MaxHeaderLength = 256;

    /// <summary>The key identifier and the signature's bytes; false where either header is missing or not what it must be.</summary>
    public static bool TryReadSignature(HttpRequest request, out string identifier, out byte[] signature)
    {
        identifier = request.Headers[IdentifierHeader].ToString().Trim();
        string encoded = request.Headers[SignatureHeader].ToString().Trim();
        signature = [];
        if (identifier.Length == 0 || identifier.Length > MaxHeaderLength || encoded.Length == 0 || encoded.Length > MaxHeaderLength)
        {
            return false;
        }

        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out int written) || written == 0)
        {
            return false;
        }

        signature = bytes[..written];
        return true;
    }

    /// <summary>
    /// Reads the body into <paramref name="buffer"/> (at least <see cref="MaxBodyBytes"/> + 1 long): its length, or
    /// a 413 as soon as it is known to be over the limit (from Content-Length, or from one byte past it).
    /// </summary>
    public static async Task<(int Length, ApiProblem? Problem)> ReadBodyAsync(HttpRequest request, byte[] buffer, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (0, TooLarge());
        }

        int length = 0;
        while (length <= MaxBodyBytes)
        {
            int read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBodyBytes + 1 - length), cancellationToken);
            if (read == 0)
            {
                return (length, null);
            }

            length += read;
        }

        return (0, TooLarge());
    }

    /// <summary>The items of a signed body: a JSON array of at most 1,000 <c>{ token, type, url, source }</c>; other fields are ignored.</summary>
    public static ProblemOr<List<ReportedToken>> ParseItems(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        if (!string.IsNullOrEmpty(request.ContentType) && !AdminRequests.IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType();
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                const string NotAnArray = "The report must be a JSON array of { token, type, url, source }.";
                return Problems.ValidationFailed(FieldErrors.Of("body", NotAnArray), NotAnArray);
            }

            int count = root.GetArrayLength();
            if (count > LeakedTokenReports.MaxItems)
            {
                return Problems.PayloadTooLarge($"The report holds {count} items; at most {LeakedTokenReports.MaxItems:N0} are taken in one request.");
            }

            return Items(root);
        }
        catch (JsonException)
        {
            // The parser's message is not echoed: it can quote the body, and so a token.
            return Problems.MalformedJson("The body is not well-formed JSON.");
        }
        catch (InvalidOperationException)
        {
            return Problems.MalformedJson("A property name is not valid Unicode text (it holds an unpaired surrogate escape such as \\ud800).");
        }
    }

    private static ProblemOr<List<ReportedToken>> Items(JsonElement root)
    {
        var items = new List<ReportedToken>(root.GetArrayLength());
        var errors = new ItemErrors();
        int index = 0;
        foreach (JsonElement item in root.EnumerateArray())
        {
            string at = $"[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                errors.Add(at, "Must be an object { token, type, url, source }.");
                continue;
            }

            string? token = Field(item, "token", at, int.MaxValue, errors);
            if (token == "" || (token is null && !Present(item, "token")))
            {
                errors.Add($"{at}.token", "Required: the string that was found.");
            }

            string type = Field(item, "type", at, MaxTypeOrSourceLength, errors) ?? "";
            string url = Field(item, "url", at, MaxUrlLength, errors) ?? "";
            string source = Field(item, "source", at, MaxTypeOrSourceLength, errors) ?? "";
            items.Add(new ReportedToken(token ?? "", type, url, source));
        }

        return errors.Problem() is { } problem ? problem : items;
    }

    private static bool Present(JsonElement item, string name) =>
        item.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A string field (null where absent or JSON null), with an error where it is another type, not text, or too long.</summary>
    private static string? Field(JsonElement item, string name, string at, int maxLength, ItemErrors errors)
    {
        if (!Present(item, name))
        {
            return null;
        }

        JsonElement value = item.GetProperty(name);

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{at}.{name}", "Must be a string.");
            return null;
        }

        try
        {
            string text = value.GetString()!;
            if (text.Length > maxLength)
            {
                errors.Add($"{at}.{name}", $"Must be at most {maxLength} characters.");
                return null;
            }

            return text;
        }
        catch (InvalidOperationException)
        {
            errors.Add($"{at}.{name}", "Must be valid Unicode text; it holds an unpaired surrogate escape such as \\ud800.");
            return null;
        }
    }

    private static ApiProblem TooLarge() =>
        Problems.PayloadTooLarge($"The report is over {MaxBodyBytes / (1024 * 1024)} MiB; send at most {LeakedTokenReports.MaxItems:N0} items in one request.");

    /// <summary>The errors of a report's items: the first <see cref="MaxErrorsNamed"/> fields named, the rest counted.</summary>
    private sealed class ItemErrors
    {
        private readonly FieldErrors _named = new();
        private int _fields;

        public void Add(string field, string message)
        {
            if (_named.ByField.ContainsKey(field) || ++_fields <= MaxErrorsNamed)
            {
                _named.Add(field, message);
            }
        }

        public ApiProblem? Problem()
        {
            if (_fields == 0)
            {
                return null;
            }

            if (_fields > MaxErrorsNamed)
            {
                _named.Add("body", $"{_fields} fields are invalid; the first {MaxErrorsNamed} are named, {_fields - MaxErrorsNamed} more are left out.");
            }

            return Problems.ValidationFailed(_named, "The report has invalid items.");
        }
    }
}
