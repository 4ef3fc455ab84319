using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using BlueTokens.IntegrationTests.Infrastructure;
using Json.Schema;

namespace BlueTokens.IntegrationTests.OpenApi;

/// <summary>
/// docs/openapi.json as the tests read it: operations by path and verb, <c>$ref</c> resolved within the document,
/// and the schemas of its responses built as JSON Schema 2020-12 (the dialect of OpenAPI 3.1), with the document's
/// <c>components/schemas</c> as <c>$defs</c>. <see cref="CheckAsync"/> holds a real response to what the document
/// says of its operation: status documented, required headers present and well-formed, media type and body.
/// </summary>
internal sealed class OpenApiDocument
{
    public static readonly string[] Verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private const string ApiPrefix = "/api";

    private static readonly EvaluationOptions Evaluation = new()
    {
        OutputFormat = OutputFormat.List,
        RequireFormatValidation = true,
    };

    private static int _schemaCount;

    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new();
    private readonly ConcurrentDictionary<string, byte> _seen = new();

    private OpenApiDocument(string path, byte[] bytes)
    {
        FilePath = path;
        Bytes = bytes;
        Root = JsonNode.Parse(bytes)!.AsObject();
    }

    public static string RepositoryFile { get; } = Path.Combine(RepositoryPaths.Root, "docs", "openapi.json");

    public string FilePath { get; }

    public byte[] Bytes { get; }

    public JsonObject Root { get; }

    public JsonObject Paths => Root["paths"]!.AsObject();

    /// <summary>What <see cref="CheckAsync"/> has seen: "VERB /template status".</summary>
    public IReadOnlyCollection<string> Seen => _seen.Keys.ToList();

    public static OpenApiDocument Load() => new(RepositoryFile, File.ReadAllBytes(RepositoryFile));

    public IEnumerable<(string Path, string Verb, JsonObject Operation)> Operations()
    {
        foreach ((string path, JsonNode? item) in Paths)
        {
            foreach ((string key, JsonNode? value) in item!.AsObject())
            {
                if (Verbs.Contains(key))
                {
                    yield return (path, key.ToUpperInvariant(), value!.AsObject());
                }
            }
        }
    }

    /// <summary>The node a local reference names: <c>#/components/schemas/Client</c>.</summary>
    public JsonNode Pointer(string reference)
    {
        Assert.True(reference.StartsWith("#/", StringComparison.Ordinal), $"only local references are used: {reference}");
        JsonNode? node = Root;
        foreach (string raw in reference[2..].Split('/'))
        {
            string segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out int i) && i < a.Count => a[i],
                _ => null,
            };
            Assert.True(node is not null, $"{reference} does not resolve in docs/openapi.json");
        }

        return node!;
    }

    /// <summary>Follows <c>$ref</c> (for responses, parameters, headers; schemas keep theirs).</summary>
    public JsonObject Resolve(JsonNode node)
    {
        JsonObject current = node.AsObject();
        for (int hops = 0; current["$ref"] is JsonValue reference; hops++)
        {
            Assert.True(hops < 10, "a $ref cycle");
            current = Pointer(reference.GetValue<string>()).AsObject();
        }

        return current;
    }

    /// <summary>The documented path (<c>/clients/{id}</c>) that a request path under /api falls to, if any.</summary>
    public string? Template(string requestPath)
    {
        string path = requestPath.StartsWith(ApiPrefix + "/", StringComparison.Ordinal) ? requestPath[ApiPrefix.Length..] : requestPath;
        string[] segments = path.Split('/');
        foreach ((string template, _) in Paths)
        {
            string[] parts = template.Split('/');
            if (parts.Length == segments.Length && parts.Zip(segments).All(pair =>
                    pair.First.StartsWith('{') ? pair.Second.Length > 0 : string.Equals(pair.First, pair.Second, StringComparison.Ordinal)))
            {
                return template;
            }
        }

        return null;
    }

    public JsonObject Operation(string verb, string template)
    {
        JsonNode? operation = Paths[template]?[verb.ToLowerInvariant()];
        Assert.True(operation is not null, $"{verb} {template} is not in docs/openapi.json");
        return operation!.AsObject();
    }

    /// <summary>A schema of the document, built with every component schema reachable as <c>#/$defs/…</c>.</summary>
    public JsonSchema Schema(JsonNode schema)
    {
        string key = schema.ToJsonString();
        return _schemas.GetOrAdd(key, _ =>
        {
            var wrapper = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = Root["components"]!["schemas"]!.DeepClone(),
                ["allOf"] = new JsonArray(schema.DeepClone()),
            };
            string text = wrapper.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
            var id = new Uri($"https://openapi.blue.test/schema/{Interlocked.Increment(ref _schemaCount)}");
            return JsonSchema.FromText(text, options, id);
        });
    }

    /// <summary>Null when <paramref name="instance"/> matches; else every error, by place in the instance.</summary>
    public string? Errors(JsonNode schema, JsonElement instance)
    {
        EvaluationResults results = Schema(schema).Evaluate(instance, Evaluation);
        if (results.IsValid)
        {
            return null;
        }

        var errors = new List<string>();
        Collect(results, errors);
        return errors.Count == 0 ? "invalid (no message)" : string.Join("\n", errors.Distinct());
    }

    public void AssertMatches(JsonNode schema, JsonElement instance, string what)
    {
        string? errors = Errors(schema, instance);
        Assert.True(errors is null, $"{what} does not match its schema:\n{errors}\n{instance.GetRawText()}");
    }

    /// <summary>
    /// Holds a real response to the document: its status is documented for the operation, every required header
    /// is present and matches its schema, the media type is one documented, and the body matches the schema (or is
    /// empty where none is documented). Returns the body.
    /// </summary>
    public async Task<JsonElement> CheckAsync(HttpResponseMessage response)
    {
        HttpRequestMessage request = response.RequestMessage!;
        string verb = request.Method.Method.ToUpperInvariant();
        string requestPath = request.RequestUri!.AbsolutePath;
        string? template = Template(requestPath);
        Assert.True(template is not null, $"{verb} {requestPath}: no path of docs/openapi.json matches");
        JsonObject operation = Operation(verb, template!);
        int status = (int)response.StatusCode;
        string text = await response.Content.ReadAsStringAsync();
        string what = $"{verb} {requestPath} {status}";

        JsonObject responses = operation["responses"]!.AsObject();
        Assert.True(responses.ContainsKey(status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            $"{what}: status {status} is not documented for {verb} {template} (documented: {string.Join(", ", responses.Select(r => r.Key))}). Body: {text}");
        _seen.TryAdd($"{verb} {template} {status}", 0);
        JsonObject documented = Resolve(responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]!);

        foreach ((string name, JsonNode? header) in documented["headers"]?.AsObject() ?? [])
        {
            JsonObject resolved = Resolve(header!);
            string? value = HeaderValue(response, name);
            if (resolved["required"]?.GetValue<bool>() == true)
            {
                Assert.True(value is not null, $"{what}: the documented header {name} is missing");
            }

            if (value is not null)
            {
                JsonNode headerSchema = resolved["schema"]!;
                JsonElement instance = headerSchema["type"]?.GetValue<string>() == "integer" && long.TryParse(value, out long number)
                    ? JsonSerializer.SerializeToElement(number)
                    : JsonSerializer.SerializeToElement(value);
                AssertMatches(headerSchema, instance, $"{what}: header {name}: {value}");
            }
        }

        if (documented["content"] is not JsonObject content)
        {
            Assert.True(text.Length == 0, $"{what}: no body is documented, got: {text}");
            return default;
        }

        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        Assert.True(mediaType is not null && content.ContainsKey(mediaType),
            $"{what}: media type {mediaType ?? "(none)"} is not documented (documented: {string.Join(", ", content.Select(c => c.Key))})");
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"{what}: the body is not JSON ({e.Message}): {text}");
        }

        AssertMatches(content[mediaType!]!["schema"]!, body, what);
        return body;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name)
    {
        if (response.Headers.TryGetValues(name, out IEnumerable<string>? values)
            || response.Content.Headers.TryGetValues(name, out values))
        {
            return string.Join(", ", values);
        }

        return null;
    }

    private static void Collect(EvaluationResults results, List<string> errors)
    {
        // A failing "if" only selects a branch, and a failing subschema of "not" is its success: neither is an error.
        string[] path = results.EvaluationPath.ToString().Split('/');
        if (path.Contains("if") || path.Contains("not"))
        {
            return;
        }

        if (results.Errors is { } own)
        {
            foreach ((string keyword, string message) in own)
            {
                errors.Add($"  at {results.InstanceLocation} ({results.EvaluationPath}, {keyword}): {message}");
            }
        }

        foreach (EvaluationResults detail in results.Details ?? [])
        {
            Collect(detail, errors);
        }
    }
}
