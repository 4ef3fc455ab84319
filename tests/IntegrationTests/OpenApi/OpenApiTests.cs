using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BlueTokens.Core.Validation;
using BlueTokens.Functions;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.OpenApi;

/// <summary>
/// docs/openapi.json is the contract (API.md) as an OpenAPI 3.1 document, served at <c>GET /api/openapi.json</c>.
/// These tests prove that the served document is the repository's file, that it describes exactly the routes and
/// verbs the functions serve, and that real responses (successes and problems) match its schemas, statuses and
/// headers, and real requests its request bodies.
/// </summary>
[Collection(StackTests.Name)]
public sealed partial class OpenApiTests(StackFixture stack) : ApiTestBase(stack)
{
    private readonly OpenApiDocument _doc = OpenApiDocument.Load();

    [Fact]
    public async Task ServedDocument_IsTheRepositoryFile()
    {
        using HttpClient http = Host.CreateClient();

        using HttpResponseMessage response = await http.GetAsync("/api/openapi.json");
        byte[] served = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=300", response.Headers.CacheControl?.ToString());
        JsonNode parsed = JsonNode.Parse(served)!;
        Assert.True(JsonNode.DeepEquals(_doc.Root, parsed), "the served document differs from docs/openapi.json: rebuild src/Functions");
        Assert.Equal(_doc.Bytes, served);
        await _doc.CheckAsync(response);
    }

    [Fact]
    public void Document_IsOpenApi31_WithTheContractsServersSecurityAndFormats()
    {
        JsonObject root = _doc.Root;
        Assert.StartsWith("3.1.", root["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(
            new[] { "http://127.0.0.1:7071/api", "https://{app}.azurewebsites.net/api" },
            root["servers"]!.AsArray().Select(server => server!["url"]!.GetValue<string>()));

        // Every $ref resolves, and every schema builds as JSON Schema 2020-12.
        foreach (string reference in References(root))
        {
            _doc.Pointer(reference);
        }

        foreach ((string name, _) in root["components"]!["schemas"]!.AsObject())
        {
            Assert.NotNull(_doc.Schema(new JsonObject { ["$ref"] = $"#/components/schemas/{name}" }));
        }

        JsonObject schemes = root["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("bearer", schemes["adminJwt"]!["scheme"]!.GetValue<string>());
        Assert.Equal("JWT", schemes["adminJwt"]!["bearerFormat"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["accessToken"]!["scheme"]!.GetValue<string>());

        var operationIds = new HashSet<string>();
        foreach ((string path, string verb, JsonObject operation) in _doc.Operations())
        {
            Assert.True(operationIds.Add(operation["operationId"]!.GetValue<string>()), $"{verb} {path}: operationId repeated");
            string[] security = operation["security"]!.AsArray().SelectMany(requirement => requirement!.AsObject().Select(s => s.Key)).ToArray();
            string[] expected = path.StartsWith("/clients", StringComparison.Ordinal) || path == "/audit" ? ["adminJwt"]
                : path == "/validate" ? ["accessToken"]
                : [];
            Assert.True(expected.SequenceEqual(security), $"{verb} {path}: security {string.Join(",", security)}, expected {string.Join(",", expected)}");

            // Every {parameter} of the path is declared as a path parameter.
            var declared = (_doc.Paths[path]!["parameters"]?.AsArray() ?? []).Concat(operation["parameters"]?.AsArray() ?? [])
                .Select(p => _doc.Resolve(p!))
                .Where(p => p["in"]!.GetValue<string>() == "path")
                .Select(p => p["name"]!.GetValue<string>())
                .ToHashSet();
            foreach (Match match in PathParameter().Matches(path))
            {
                Assert.True(declared.Contains(match.Groups[1].Value), $"{verb} {path}: path parameter {match.Groups[1].Value} is not declared");
            }

            Assert.NotEmpty(operation["responses"]!.AsObject());
        }

        // The contract's formats.
        JsonObject schemas = root["components"]!["schemas"]!.AsObject();
        Assert.Equal("^blue_[0-9A-Za-z]{38}$", schemas["AccessToken"]!["pattern"]!.GetValue<string>());
        Assert.Equal(
            new[] { "validation_failed", "malformed_json", "invalid_query", "unauthenticated", "forbidden", "not_found", "method_not_allowed",
             "name_taken", "client_limit_reached", "precondition_failed", "payload_too_large", "unsupported_media_type", "invalid_token",
             "disabled", "expired", "network_not_allowed", "invalid_signature", "token_leaked", "rate_limited", "internal_error" },
            schemas["ProblemCode"]!["enum"]!.AsArray().Select(code => code!.GetValue<string>()));
        foreach (string name in new[] { "Client", "IssuedToken", "Token", "ClientList", "AuditEvent", "AuditList", "ValidateResult", "Health", "Problem",
                     "CreateClientRequest", "UpdateClientRequest", "RegenerateTokenRequest", "ValidateRequest" })
        {
            Assert.False(schemas[name]!["additionalProperties"]!.GetValue<bool>(), $"{name} allows properties it does not list");
        }

        JsonObject pageSize = _doc.Resolve(_doc.Pointer("#/components/parameters/PageSize"))["schema"]!.AsObject();
        Assert.Equal((1, 100, 50), (pageSize["minimum"]!.GetValue<int>(), pageSize["maximum"]!.GetValue<int>(), pageSize["default"]!.GetValue<int>()));
    }

    [Fact]
    public void EveryServedRouteAndVerb_IsDocumented_AndEveryDocumentedOneIsServed()
    {
        Dictionary<string, string> served = ServedFunctions().ToDictionary(f => $"{f.Verb} /{f.Route}", f => f.Name);
        Dictionary<string, string> documented = _doc.Operations().ToDictionary(
            o => $"{o.Verb} {o.Path}", o => o.Operation["operationId"]!.GetValue<string>());

        Assert.NotEmpty(served);
        Assert.Equal(served.Keys.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        foreach ((string route, string function) in served)
        {
            Assert.True(documented[route] == function, $"{route}: operationId {documented[route]}, the function is {function}");
        }
    }

    [Fact]
    public async Task RealResponses_MatchTheDocumentedStatusesHeadersAndSchemas()
    {
        AdminApi admin = NewTenant();
        HttpClient http = admin.Http;
        var check = _doc.CheckAsync;

        // Create: 201 with Location, ETag, no-store; then the problems of a create.
        JsonElement created = await check(await admin.PostAsync("/api/clients", new { name = "BI", role = "analyst" }));
        string id = created.GetProperty("client").GetProperty("id").GetString()!;
        string token = created.GetProperty("token").GetString()!;
        await check(await admin.PostAsync("/api/clients", new { name = "JDBC", role = "reader.v2", expiresAt = DateTimeOffset.UtcNow.AddDays(30).ToString("O"), expiresInDays = (int?)null }));
        await check(await admin.PostAsync("/api/clients", new { name = "Analysis", role = "analyst", expiresInDays = 30 }));
        await ExpectAsync(check, await admin.PostAsync("/api/clients", new { name = "bi", role = "analyst" }), 409, "name_taken");
        await ExpectAsync(check, await admin.PostAsync("/api/clients", new { name = "X", role = "analyst", expiresInDay = 30 }), 400, "validation_failed");
        await ExpectAsync(check, await admin.PostAsync("/api/clients", new { name = "X", role = "9bad" }), 400, "validation_failed");
        await ExpectAsync(check, await admin.PostAsync("/api/clients", new { name = "X", role = "analyst", expiresInDays = 2000 }), 400, "validation_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, "/api/clients", "{\"name\":"), 400, "malformed_json");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, "/api/clients", "[1]"), 400, "validation_failed");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/clients", Bearer(admin), new StringContent("name=X", Encoding.UTF8, "text/plain")), 415, "unsupported_media_type");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, "/api/clients", $"{{\"name\":\"{new string('x', 70_000)}\"}}"), 413, "payload_too_large");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/clients", null, Json(new { name = "X", role = "analyst" })), 401, "unauthenticated");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/clients", TestJwt.Unsigned(admin.Tenant), Json(new { name = "X", role = "analyst" })), 401, "unauthenticated");
        string withoutRole = TestJwt.Create(new Dictionary<string, object> { ["sub"] = "reader@test", ["tid"] = admin.Tenant });
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/clients", withoutRole, Json(new { name = "X", role = "analyst" })), 403, "forbidden");

        // List: pages, filters, bad queries.
        JsonElement page = await check(await admin.SendAsync(HttpMethod.Get, "/api/clients?pageSize=1"));
        string next = page.GetProperty("continuationToken").GetString()!;
        await check(await admin.SendAsync(HttpMethod.Get, $"/api/clients?pageSize=1&continuationToken={Uri.EscapeDataString(next)}"));
        Assert.Equal(JsonValueKind.Null, (await check(await admin.SendAsync(HttpMethod.Get, "/api/clients"))).GetProperty("continuationToken").ValueKind);
        await check(await admin.SendAsync(HttpMethod.Get, "/api/clients?status=disabled"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients?pageSize=0"), 400, "invalid_query");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients?pageSize=101"), 400, "invalid_query");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients?status=gone"), 400, "invalid_query");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients?continuationToken=forged"), 400, "invalid_query");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients?pageSize=1&pageSize=2"), 400, "invalid_query");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Get, "/api/clients", withoutRole), 403, "forbidden");

        // Get, PATCH.
        await check(await admin.SendAsync(HttpMethod.Get, $"/api/clients/{id}"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients/0000000000000000000000000000"), 404, "not_found");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients/not-an-id"), 404, "not_found");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Get, $"/api/clients/{id}", null), 401, "unauthenticated");
        using (HttpResponseMessage patched = await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", """{"role":"writer"}"""))
        {
            await check(patched);
        }

        await check(await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", "{}"));
        await check(await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", """{"name":"BI Reports","role":null}"""));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", """{"role":"reader"}""", ifMatch: "\"v0\""), 412, "precondition_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", """{"name":"jdbc"}"""), 409, "name_taken");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", """{"nam":"x"}"""), 400, "validation_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}", """{"name":5}"""), 400, "validation_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Patch, $"/api/clients/{id}"), 400, "malformed_json");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Patch, "/api/clients/0000000000000000000000000000", "{}"), 404, "not_found");

        // Show, disable, enable, validate.
        await check(await admin.SendAsync(HttpMethod.Get, $"/api/clients/{id}/token"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients/0000000000000000000000000000/token"), 404, "not_found");
        await check(await ValidateAsync(http, token));
        await check(await ValidateAsync(http, token, inBody: true));
        await check(await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/disable"));
        await check(await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/disable"));
        await ExpectAsync(check, await ValidateAsync(http, token), 401, "disabled");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/enable", ifMatch: "\"v0\""), 412, "precondition_failed");
        await check(await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/enable"));
        await ExpectAsync(check, await ValidateAsync(http, "blue_not-a-token"), 401, "invalid_token");
        await ExpectAsync(check, await ValidateAsync(http, null), 401, "invalid_token");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/validate", null, new StringContent("""{"token":5}""", Encoding.UTF8, "application/json")), 400, "validation_failed");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/validate", null, new StringContent("""{"tokn":"x"}""", Encoding.UTF8, "application/json")), 400, "validation_failed");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Post, "/api/validate", null, new StringContent("{", Encoding.UTF8, "application/json")), 400, "malformed_json");

        // Usage: what the validates above counted, once flushed.
        await Host.Services.GetRequiredService<LastUseRecorder>().FlushAsync();
        await check(await admin.SendAsync(HttpMethod.Get, $"/api/clients/{id}/usage"));
        await check(await admin.SendAsync(HttpMethod.Get, $"/api/clients/{id}/usage?days=90"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, $"/api/clients/{id}/usage?days=0"), 400, "invalid_query");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/clients/0000000000000000000000000000/usage"), 404, "not_found");

        // Regenerate with a grace period: the old token validates until the grace end.
        JsonElement regenerated = await check(await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/token/regenerate", """{"gracePeriodMinutes":10,"expiresInDays":30}"""));
        JsonElement graced = await check(await ValidateAsync(http, token));
        Assert.True(graced.GetProperty("valid").GetBoolean());
        token = regenerated.GetProperty("token").GetString()!;
        await check(await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/token/regenerate"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/token/regenerate", """{"gracePeriodMinutes":5000}"""), 400, "validation_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/token/regenerate", """{"expiresInDays":30,"expiresAt":"2030-01-01T00:00:00Z"}"""), 400, "validation_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/token/regenerate", ifMatch: "\"v0\""), 412, "precondition_failed");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, "/api/clients/0000000000000000000000000000/token/regenerate"), 404, "not_found");

        // Delete, then the client is gone everywhere.
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{id}", ifMatch: "\"v0\""), 412, "precondition_failed");
        await check(await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{id}"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Delete, $"/api/clients/{id}"), 404, "not_found");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/disable"), 404, "not_found");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Post, $"/api/clients/{id}/enable"), 404, "not_found");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, $"/api/clients/{id}/token"), 404, "not_found");
        await ExpectAsync(check, await ValidateAsync(http, token), 401, "invalid_token");

        // Audit: every action so far, with its detail.
        JsonElement trail = await check(await admin.SendAsync(HttpMethod.Get, $"/api/audit?clientId={id}"));
        Assert.Equal(
            new[] { "client.created", "client.deleted", "client.disabled", "client.enabled", "client.updated", "token.regenerated", "token.shown" },
            trail.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).Distinct().Order(StringComparer.Ordinal));
        JsonElement auditPage = await check(await admin.SendAsync(HttpMethod.Get, "/api/audit?pageSize=2"));
        await check(await admin.SendAsync(HttpMethod.Get, $"/api/audit?pageSize=2&continuationToken={Uri.EscapeDataString(auditPage.GetProperty("continuationToken").GetString()!)}"));
        await check(await admin.SendAsync(HttpMethod.Get, "/api/audit?clientId=someone-elses"));
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, "/api/audit?pageSize=abc"), 400, "invalid_query");
        await ExpectAsync(check, await admin.SendAsync(HttpMethod.Get, $"/api/audit?clientId={new string('a', 65)}"), 400, "invalid_query");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Get, "/api/audit", null), 401, "unauthenticated");
        await ExpectAsync(check, await SendAsync(http, HttpMethod.Get, "/api/audit", withoutRole), 403, "forbidden");

        // The secret scanning report, on a host that reads keys from a key server of its own.
        await SecretScanning.SignedReports.CheckAsync(Stack, check);

        // Operations.
        await check(await http.GetAsync("/api/health"));
        await check(await http.GetAsync("/api/openapi.json"));

        // Every operation was seen to succeed at least once, so every success schema was held to a real body.
        foreach ((string path, string verb, JsonObject operation) in _doc.Operations())
        {
            Assert.True(
                _doc.Seen.Any(seen => seen.StartsWith($"{verb} {path} 2", StringComparison.Ordinal)),
                $"{verb} {path} was not exercised with a success; seen: {string.Join("; ", _doc.Seen.Order())}");
        }
    }

    [Fact]
    public async Task RateLimitedValidate_AndDegradedHealth_MatchTheirSchemas()
    {
        await using var limited = new LocalHostFactory(Stack, new Dictionary<string, string?> { ["Validate:MaxFailuresPerMinute"] = "1" });
        using HttpClient validateHttp = limited.CreateClient();
        string source = $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";
        await ExpectAsync(_doc.CheckAsync, await ValidateAsync(validateHttp, "nope", source: source), 401, "invalid_token");
        await ExpectAsync(_doc.CheckAsync, await ValidateAsync(validateHttp, "nope", source: source), 429, "rate_limited");

        int closedPort = ServerProcess.FreePort();
        await using var degraded = new LocalHostFactory(Stack, new Dictionary<string, string?> { ["Redis:ConnectionString"] = $"127.0.0.1:{closedPort}" });
        using HttpClient healthHttp = degraded.CreateClient();
        using HttpResponseMessage health = await healthHttp.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        JsonElement body = await _doc.CheckAsync(health);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownPathsAndVerbs_AnswerTheDocumentedProblem()
    {
        AdminApi admin = NewTenant();
        var problem = new JsonObject { ["$ref"] = "#/components/schemas/Problem" };

        using HttpResponseMessage unknown = await admin.SendAsync(HttpMethod.Get, "/api/nothing/here");
        JsonElement notFound = await unknown.AssertProblemAsync(404, "not_found");
        _doc.AssertMatches(problem, notFound, "GET /api/nothing/here");

        using HttpResponseMessage put = await admin.SendAsync(HttpMethod.Put, "/api/clients", "{}");
        JsonElement notAllowed = await put.AssertProblemAsync(405, "method_not_allowed");
        _doc.AssertMatches(problem, notAllowed, "PUT /api/clients");
        string[] allowed = put.Content.Headers.Allow.Order(StringComparer.Ordinal).ToArray();
        string[] documented = _doc.Paths["/clients"]!.AsObject().Where(p => OpenApiDocument.Verbs.Contains(p.Key)).Select(p => p.Key.ToUpperInvariant()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(documented, allowed);
    }

    [Fact]
    public async Task RequestBodySchemas_AgreeWithTheService()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Schema");
        string id = client.Id;
        string inTenDays = DateTimeOffset.UtcNow.AddDays(10).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

        (string Verb, string Path, string Body, bool Valid)[] cases =
        [
            ("POST", "/clients", """{"name":"Accepted","role":"analyst","expiresInDays":30}""", true),
            ("POST", "/clients", $$"""{"name":"Accepted 2","role":"analyst","expiresAt":"{{inTenDays}}","expiresInDays":null}""", true),
            ("POST", "/clients", """{"name":"Unknown","role":"analyst","expiresInDay":30}""", false),
            ("POST", "/clients", """{"name":"Typed","role":"analyst","expiresInDays":"30"}""", false),
            ("POST", "/clients", """{"role":"analyst"}""", false),
            ("PATCH", $"/clients/{id}", """{"role":"reader","name":null}""", true),
            ("PATCH", $"/clients/{id}", """{"roles":"reader"}""", false),
            ("PATCH", $"/clients/{id}", """{"role":"1reader"}""", false),
            ("POST", $"/clients/{id}/token/regenerate", """{"gracePeriodMinutes":0,"expiresAt":null}""", true),
            ("POST", $"/clients/{id}/token/regenerate", """{"gracePeriodMinutes":1441}""", false),
            ("POST", $"/clients/{id}/token/regenerate", """{"gracePeriod":5}""", false),
            ("POST", "/validate", """{"token":5}""", false),
            ("POST", "/validate", """{"token":"x","extra":1}""", false),
        ];

        foreach ((string verb, string path, string body, bool valid) in cases)
        {
            JsonNode schema = _doc.Operation(verb, path.Contains("/clients/", StringComparison.Ordinal) ? Regex.Replace(path, "/clients/[^/]+", "/clients/{id}") : path)
                ["requestBody"]!["content"]!["application/json"]!["schema"]!;
            string? schemaErrors = _doc.Errors(schema, JsonDocument.Parse(body).RootElement);
            // Validate takes no JWT: a bearer would be read as the token to validate.
            using HttpResponseMessage response = path == "/validate"
                ? await SendAsync(admin.Http, HttpMethod.Post, "/api/validate", null, new StringContent(body, Encoding.UTF8, "application/json"))
                : await admin.SendAsync(new HttpMethod(verb), "/api" + path, body);
            int status = (int)response.StatusCode;
            await _doc.CheckAsync(response);
            Assert.True(valid == (schemaErrors is null), $"{verb} {path} {body}: the schema {(valid ? "refuses" : "accepts")} it. {schemaErrors}");
            Assert.True(valid == (status < 400), $"{verb} {path} {body}: the service answered {status}, the schema says {(valid ? "valid" : "invalid")}");
            if (!valid)
            {
                Assert.True(status == 400, $"{verb} {path} {body}: expected 400, got {status}");
            }
        }
    }

    [Fact]
    public void SchemaChecks_CatchDrift()
    {
        // The checker is not vacuous: a body as the service writes it matches, and each kind of drift is caught.
        const string Client = """
            {"id":"01a2217a5b0cyh36zm1r2t7trhph","name":"BI","role":"analyst","status":"active","tokenPrefix":"blue_7Hq2xYz",
             "createdAt":"2026-11-28T10:00:00Z","createdBy":"admin@test","updatedAt":"2026-11-28T10:00:00.123Z",
             "tokenIssuedAt":"2026-11-28T10:00:00Z","expiresAt":"2027-02-26T10:00:00Z","lastUsedAt":null,
             "allowedNetworks":["10.0.0.0/8"],"leak":null}
            """;
        var schema = new JsonObject { ["$ref"] = "#/components/schemas/Client" };
        Assert.Null(_doc.Errors(schema, JsonDocument.Parse(Client).RootElement));

        string[] drifted =
        [
            Client.Replace("\"lastUsedAt\":null", "\"lastUsedAt\":null,\"extra\":1", StringComparison.Ordinal),
            Client.Replace(",\"lastUsedAt\":null", "", StringComparison.Ordinal),
            Client.Replace("\"active\"", "\"paused\"", StringComparison.Ordinal),
            Client.Replace("2027-02-26T10:00:00Z", "2027-02-26T10:00:00+00:00", StringComparison.Ordinal),
            Client.Replace("\"lastUsedAt\":null", "\"lastUsedAt\":12", StringComparison.Ordinal),
            Client.Replace("blue_7Hq2xYz", "blue_7Hq2", StringComparison.Ordinal),
            Client.Replace("[\"10.0.0.0/8\"]", "\"10.0.0.0/8\"", StringComparison.Ordinal),
            Client.Replace(",\"leak\":null", "", StringComparison.Ordinal),
        ];
        foreach (string body in drifted)
        {
            Assert.NotNull(_doc.Errors(schema, JsonDocument.Parse(body).RootElement));
        }

        var problem = new JsonObject { ["$ref"] = "#/components/responses/BodyRejected" };
        JsonNode rejected = _doc.Resolve(problem)["content"]!["application/problem+json"]!["schema"]!;
        const string Valid = """{"type":"urn:x","title":"Validation failed","status":400,"detail":"d","code":"validation_failed","errors":{"name":["m"]}}""";
        Assert.Null(_doc.Errors(rejected, JsonDocument.Parse(Valid).RootElement));
        Assert.NotNull(_doc.Errors(rejected, JsonDocument.Parse(Valid.Replace(",\"errors\":{\"name\":[\"m\"]}", "", StringComparison.Ordinal)).RootElement));
        Assert.NotNull(_doc.Errors(rejected, JsonDocument.Parse(Valid.Replace("validation_failed", "name_taken", StringComparison.Ordinal)).RootElement));
        Assert.NotNull(_doc.Errors(rejected, JsonDocument.Parse(Valid.Replace("\"status\":400", "\"status\":409", StringComparison.Ordinal)).RootElement));
    }

    private static async Task ExpectAsync(Func<HttpResponseMessage, Task<JsonElement>> check, HttpResponseMessage response, int status, string code)
    {
        using (response)
        {
            JsonElement body = await check(response);
            Assert.True((int)response.StatusCode == status, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: expected {status} {code}, got {(int)response.StatusCode}: {body}");
            Assert.Equal(code, body.GetProperty("code").GetString());
        }
    }

    private static Task<HttpResponseMessage> ValidateAsync(HttpClient http, string? token, bool inBody = false, string source = "127.0.0.1")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate");
        request.Headers.TryAddWithoutValidation(TestSourceAddress.Header, source);
        if (token is not null && inBody)
        {
            request.Content = Json(new { token });
        }
        else if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http.SendAsync(request);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? bearer, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http.SendAsync(request);
    }

    private static string Bearer(AdminApi admin) => TestJwt.Admin(admin.Tenant, admin.Subject);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static IEnumerable<string> References(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach ((string key, JsonNode? value) in o)
                {
                    if (key == "$ref")
                    {
                        yield return value!.GetValue<string>();
                    }
                    else
                    {
                        foreach (string reference in References(value))
                        {
                            yield return reference;
                        }
                    }
                }

                break;
            case JsonArray a:
                foreach (string reference in a.SelectMany(References))
                {
                    yield return reference;
                }

                break;
        }
    }

    /// <summary>
    /// The HTTP functions of the API as the hosts serve them: verb, route, name. The Fallback's catch-all is not an
    /// operation, and GetWebAsset serves the Access Token Management page (a client of the API, not part of it).
    /// </summary>
    private static IEnumerable<(string Verb, string Route, string Name)> ServedFunctions()
    {
        foreach (MethodInfo method in typeof(FunctionApp).Assembly.GetTypes().SelectMany(type => type.GetMethods()))
        {
            if (method.GetCustomAttribute<FunctionAttribute>() is not { } function || function.Name is "Fallback" or "GetWebAsset")
            {
                continue;
            }

            foreach (ParameterInfo parameter in method.GetParameters())
            {
                if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is { } trigger)
                {
                    foreach (string verb in trigger.Methods ?? [])
                    {
                        yield return (verb.ToUpperInvariant(), trigger.Route ?? function.Name, function.Name);
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"\{([^}]+)\}")]
    private static partial Regex PathParameter();
}
