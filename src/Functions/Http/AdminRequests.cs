using System.Text.Json;
using BlueTokens.Core.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace BlueTokens.Functions.Http;

/// <summary>
/// What every management function does before it calls Core: authenticate the admin's JWT and read the JSON
/// body within the contract's limits (64 KiB, application/json, well-formed, an object).
/// </summary>
internal static class AdminRequests
{
    public const int MaxBodyBytes = 64 * 1024;

    public static async Task<ProblemOr<Admin>> AuthenticateRequestAsync(this AdminAuthenticator authenticator, HttpRequest request, CancellationToken cancellationToken)
    {
        AuthenticationResult result = await authenticator.AuthenticateAsync(request.Headers.Authorization.ToString(), cancellationToken);
        return result.Status switch
        {
            AuthenticationStatus.Authenticated => result.Admin!,
            AuthenticationStatus.Forbidden => Problems.Forbidden(result.Failure ?? "The caller lacks the admin role."),
            _ => Problems.Unauthenticated(result.Failure ?? "A valid bearer token is required."),
        };
    }

    /// <summary>Reads the body as a JSON object; an empty body is an empty object where <paramref name="required"/> is false.</summary>
    public static async Task<ProblemOr<JsonBody>> ReadJsonAsync(HttpRequest request, IReadOnlyCollection<string> knownFields, bool required, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return Problems.PayloadTooLarge(MaxBodyBytes);
        }

        byte[] buffer = new byte[MaxBodyBytes + 1];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > MaxBodyBytes)
        {
            return Problems.PayloadTooLarge(MaxBodyBytes);
        }

        if (length == 0)
        {
            return required
                ? Problems.MalformedJson("A JSON object body is required.")
                : new JsonBody(EmptyObject.RootElement, knownFields);
        }

        if (!IsJson(request.ContentType))
        {
            return Problems.UnsupportedMediaType();
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                const string NotAnObject = "The body must be a JSON object.";
                return Problems.ValidationFailed(FieldErrors.Of("body", NotAnObject), NotAnObject);
            }

            // Cloned: the document's pooled memory is returned when it is disposed here.
            return new JsonBody(document.RootElement.Clone(), knownFields);
        }
        catch (JsonException)
        {
            // The parser's message is not echoed: it can quote the body.
            return Problems.MalformedJson("The body is not well-formed JSON.");
        }
        catch (InvalidOperationException)
        {
            // Refusing duplicate names makes the parser decode every property name, and a name that is no text
            // (an unpaired surrogate escape) throws this rather than a JsonException: a name can be no field.
            return Problems.MalformedJson(UnreadableName);
        }
    }

    private const string UnreadableName = "A property name is not valid Unicode text (it holds an unpaired surrogate escape such as \\ud800).";

    private static readonly JsonDocument EmptyObject = JsonDocument.Parse("{}");

    /// <summary>Whether a Content-Type names JSON (<c>application/json</c> or any <c>+json</c> type).</summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        string type = media.MediaType.ToString();
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
