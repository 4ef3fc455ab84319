using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>
/// API.md, "Bad input": malformed JSON, wrong types, oversize bodies, wrong media types, bad query values, unknown
/// routes and verbs, and ids that cannot be ours all answer a 4xx problem with the contract's code, never a 500,
/// and a failed request changes nothing in the store. "{id}" in a route is a real client of the caller, so the
/// answer is about the input and not about a missing client.
/// </summary>
[Collection(StackTests.Name)]
public sealed class BadInputSweepTests(StackFixture stack) : ApiTestBase(stack)
{
    private const string Json = "application/json";
    private const string Create = "/api/clients";
    private const string Patch = "/api/clients/{id}";
    private const string Regenerate = "/api/clients/{id}/token/regenerate";

    // Where the contract says only "400", either body code is a fair reading of it.
    private const string Malformed = "malformed_json|validation_failed";

    private const int MaxBody = 64 * 1024;

    private static readonly Dictionary<string, string[]> ExpectedAllow = new()
    {
        ["/api/clients"] = ["GET", "POST"],
        ["/api/clients/{id}"] = ["DELETE", "GET", "PATCH"],
    };

    /// <summary>
    /// label, method, route, body (null: none), Content-Type (null: none), status, code (alternatives split by
    /// '|'), the field <c>errors</c> must name (400 only), and whether the body goes chunked without a length.
    /// </summary>
    public static TheoryData<string, string, string, string?, string?, int, string, string?, bool> Cases()
    {
        var data = new TheoryData<string, string, string, string?, string?, int, string, string?, bool>();

        void Body(string label, string method, string route, string? body, int status, string code, string? field = null, string? contentType = Json, bool chunked = false) =>
            data.Add(label, method, route, body, contentType, status, code, field, chunked);

        void Query(string label, string route, string field) =>
            data.Add(label, "GET", route, null, null, 400, "invalid_query", field, false);

        void Status(string label, string method, string route, int status, string code) =>
            data.Add(label, method, route, null, null, status, code, null, false);

        // Malformed JSON.
        foreach ((string label, string body) in new[] { ("open brace", "{"), ("missing value", """{"name":}"""), ("nul", "nul"), ("trailing garbage", """{"name":"a","role":"analyst"} x""") })
        {
            Body($"create: {label}", "POST", Create, body, 400, "malformed_json");
            Body($"patch: {label}", "PATCH", Patch, body, 400, "malformed_json");
            Body($"regenerate: {label}", "POST", Regenerate, body, 400, "malformed_json");
        }

        Body("create: empty body", "POST", Create, "", 400, Malformed);
        Body("create: no body at all", "POST", Create, null, 400, Malformed, contentType: null);
        Body("create: duplicate property", "POST", Create, """{"name":"a","name":"b","role":"analyst"}""", 400, Malformed);
        Body("patch: duplicate property", "PATCH", Patch, """{"name":"a","name":"b"}""", 400, Malformed);
        Body("create: 100 levels deep", "POST", Create, $$"""{"name":{{new string('[', 100)}}{{new string(']', 100)}},"role":"analyst"}""", 400, Malformed);
        Body("regenerate: 100 levels deep", "POST", Regenerate, new StringBuilder().Insert(0, """{"a":""", 100).Append("{}").Append('}', 100).ToString(), 400, Malformed);

        // Roots that are not an object.
        Body("create: array root", "POST", Create, """[{"name":"a","role":"analyst"}]""", 400, "validation_failed");
        Body("create: string root", "POST", Create, "\"name\"", 400, "validation_failed");
        Body("create: number root", "POST", Create, "5", 400, "validation_failed");
        Body("patch: array root", "PATCH", Patch, "[]", 400, "validation_failed");
        Body("regenerate: number root", "POST", Regenerate, "30", 400, "validation_failed");

        // Wrong types, each with the field it is about.
        Body("create: name 5", "POST", Create, """{"name":5,"role":"analyst"}""", 400, "validation_failed", "name");
        Body("create: name true", "POST", Create, """{"name":true,"role":"analyst"}""", 400, "validation_failed", "name");
        Body("create: name {}", "POST", Create, """{"name":{},"role":"analyst"}""", 400, "validation_failed", "name");
        Body("create: role []", "POST", Create, """{"name":"Valid","role":[]}""", 400, "validation_failed", "role");
        Body("create: expiresInDays \"30\"", "POST", Create, """{"name":"Valid","role":"analyst","expiresInDays":"30"}""", 400, "validation_failed", "expiresInDays");
        Body("create: expiresInDays 1.5", "POST", Create, """{"name":"Valid","role":"analyst","expiresInDays":1.5}""", 400, "validation_failed", "expiresInDays");
        Body("create: expiresInDays 1e3", "POST", Create, """{"name":"Valid","role":"analyst","expiresInDays":1e3}""", 400, "validation_failed", "expiresInDays");
        Body("create: expiresAt 5", "POST", Create, """{"name":"Valid","role":"analyst","expiresAt":5}""", 400, "validation_failed", "expiresAt");
        Body("create: expiresAt tomorrow", "POST", Create, """{"name":"Valid","role":"analyst","expiresAt":"tomorrow"}""", 400, "validation_failed", "expiresAt");
        Body("create: expiresAt without zone", "POST", Create, """{"name":"Valid","role":"analyst","expiresAt":"2027-01-01T00:00:00"}""", 400, "validation_failed", "expiresAt");
        Body("patch: name 5", "PATCH", Patch, """{"name":5}""", 400, "validation_failed", "name");
        Body("patch: role []", "PATCH", Patch, """{"role":[]}""", 400, "validation_failed", "role");
        Body("regenerate: expiresInDays \"30\"", "POST", Regenerate, """{"expiresInDays":"30"}""", 400, "validation_failed", "expiresInDays");
        Body("regenerate: expiresInDays 1.5", "POST", Regenerate, """{"expiresInDays":1.5}""", 400, "validation_failed", "expiresInDays");
        Body("regenerate: gracePeriodMinutes \"x\"", "POST", Regenerate, """{"gracePeriodMinutes":"x"}""", 400, "validation_failed", "gracePeriodMinutes");
        Body("regenerate: expiresAt without zone", "POST", Regenerate, """{"expiresAt":"2027-01-01T00:00:00"}""", 400, "validation_failed", "expiresAt");

        // Unknown fields and oversize values.
        Body("create: unknown field", "POST", Create, """{"name":"Valid","role":"analyst","expiresInDay":30}""", 400, "validation_failed", "expiresInDay");
        Body("patch: unknown field", "PATCH", Patch, """{"status":"disabled"}""", 400, "validation_failed", "status");
        Body("regenerate: unknown field", "POST", Regenerate, """{"grace":5}""", 400, "validation_failed", "grace");
        Body("create: 10,000-character name", "POST", Create, $$"""{"name":"{{new string('n', 10_000)}}","role":"analyst"}""", 400, "validation_failed", "name");
        Body("patch: 10,000-character name", "PATCH", Patch, $$"""{"name":"{{new string('n', 10_000)}}"}""", 400, "validation_failed", "name");

        // Escapes that decode to no text (an unpaired surrogate): in a value, an error on its field; in a property
        // name, at any depth, malformed JSON.
        Body("create: name \\ud800", "POST", Create, """{"name":"\ud800","role":"x"}""", 400, "validation_failed", "name");
        Body("create: role a\\udc00", "POST", Create, """{"name":"Valid","role":"a\udc00"}""", 400, "validation_failed", "role");
        Body("create: property name \\ud800", "POST", Create, """{"\ud800":1}""", 400, "malformed_json", "body");
        Body("patch: name \\ud800", "PATCH", Patch, """{"name":"\ud800"}""", 400, "validation_failed", "name");
        Body("patch: property name \\udfff", "PATCH", Patch, """{"name":"Valid","\udfff":1}""", 400, "malformed_json", "body");
        Body("regenerate: expiresAt \\ud800", "POST", Regenerate, """{"expiresAt":"\ud800"}""", 400, "validation_failed", "expiresAt");
        Body("regenerate: nested property name \\ud800", "POST", Regenerate, """{"expiresInDays":{"\ud800":1}}""", 400, "malformed_json", "body");

        // Many unknown fields: the first ten are named, the rest counted in one message on the body.
        Body("create: 20 unknown fields", "POST", Create, "{" + string.Join(',', Enumerable.Range(0, 20).Select(i => $"\"f{i}\":0")) + "}", 400, "validation_failed", "body");

        // Oversize bodies: well-formed JSON, refused for its size alone, with a length and streamed without one.
        string oversize = $$"""{"name":"Valid","role":"{{new string('r', MaxBody)}}"}""";
        Body("create: over 64 KiB", "POST", Create, oversize, 413, "payload_too_large");
        Body("create: over 64 KiB, chunked", "POST", Create, oversize, 413, "payload_too_large", chunked: true);
        Body("patch: over 64 KiB", "PATCH", Patch, oversize, 413, "payload_too_large");
        Body("regenerate: over 64 KiB, chunked", "POST", Regenerate, $$"""{"expiresInDays":30{{new string(' ', MaxBody)}}}""", 413, "payload_too_large", chunked: true);

        // Media types other than JSON.
        Body("create: text/plain", "POST", Create, """{"name":"Valid","role":"analyst"}""", 415, "unsupported_media_type", contentType: "text/plain");
        Body("create: form-urlencoded", "POST", Create, "name=Valid&role=analyst", 415, "unsupported_media_type", contentType: "application/x-www-form-urlencoded");
        Body("create: no Content-Type", "POST", Create, """{"name":"Valid","role":"analyst"}""", 415, "unsupported_media_type", contentType: null);
        Body("patch: text/plain", "PATCH", Patch, """{"name":"Valid"}""", 415, "unsupported_media_type", contentType: "text/plain");
        Body("regenerate: form-urlencoded", "POST", Regenerate, "expiresInDays=30", 415, "unsupported_media_type", contentType: "application/x-www-form-urlencoded");

        // Query values.
        Query("list: pageSize=0", "/api/clients?pageSize=0", "pageSize");
        Query("list: pageSize=-1", "/api/clients?pageSize=-1", "pageSize");
        Query("list: pageSize=1.5", "/api/clients?pageSize=1.5", "pageSize");
        Query("list: pageSize=abc", "/api/clients?pageSize=abc", "pageSize");
        Query("list: pageSize=101", "/api/clients?pageSize=101", "pageSize");
        Query("list: pageSize=100000000000", "/api/clients?pageSize=100000000000", "pageSize");
        Query("list: pageSize empty", "/api/clients?pageSize=", "pageSize");
        Query("list: pageSize twice", "/api/clients?pageSize=10&pageSize=20", "pageSize");
        Query("list: status=ACTIVE", "/api/clients?status=ACTIVE", "status");
        Query("list: status empty", "/api/clients?status=", "status");
        Query("list: status=deleted", "/api/clients?status=deleted", "status");
        Query("list: continuationToken=%%%", "/api/clients?continuationToken=%%%", "continuationToken");
        Query("list: continuationToken=abc", "/api/clients?continuationToken=abc", "continuationToken");
        Query("list: continuationToken forged", "/api/clients?continuationToken=MDAwMDAw.AAAAAAAAAAAAAAAAAAAAAA", "continuationToken");
        Query("audit: pageSize=0", "/api/audit?pageSize=0", "pageSize");
        Query("audit: pageSize=abc", "/api/audit?pageSize=abc", "pageSize");
        Query("audit: continuationToken=xyz", "/api/audit?continuationToken=xyz", "continuationToken");
        Query("audit: clientId empty", "/api/audit?clientId=", "clientId");
        Query("usage: days=0", "/api/clients/{id}/usage?days=0", "days");
        Query("usage: days=91", "/api/clients/{id}/usage?days=91", "days");
        Query("usage: days=abc", "/api/clients/{id}/usage?days=abc", "days");

        // Routes, verbs, and ids that cannot be ours.
        Status("unknown route", "GET", "/api/nope", 404, "not_found");
        Status("unknown route, POST", "POST", "/api/nope", 404, "not_found");
        Status("PUT collection", "PUT", "/api/clients", 405, "method_not_allowed");
        Status("PUT client", "PUT", "/api/clients/{id}", 405, "method_not_allowed");
        Status("DELETE collection", "DELETE", "/api/clients", 405, "method_not_allowed");
        Status("id: encoded traversal", "GET", "/api/clients/..%2F..%2Fx", 404, "not_found");
        Status("id: encoded traversal, DELETE", "DELETE", "/api/clients/..%2F..%2Fx", 404, "not_found");
        Status("id: control character", "GET", "/api/clients/%01", 404, "not_found");
        Status("id: control character, Show", "GET", "/api/clients/a%01b/token", 404, "not_found");
        Body("id: control character, PATCH", "PATCH", "/api/clients/%1F", """{"name":"Valid"}""", 404, "not_found");
        Status("id: 200 characters", "GET", $"/api/clients/{new string('a', 200)}", 404, "not_found");
        Status("id: 200 characters, disable", "POST", $"/api/clients/{new string('a', 200)}/disable", 404, "not_found");
        Status("id: unicode", "GET", "/api/clients/客户-ünïcødé", 404, "not_found");
        Body("id: unicode, PATCH", "PATCH", "/api/clients/客户-ünïcødé", """{"name":"Valid"}""", 404, "not_found");
        Body("id: 200 characters, regenerate", "POST", $"/api/clients/{new string('a', 200)}/token/regenerate", "{}", 404, "not_found");
        Status("id: unicode, DELETE", "DELETE", "/api/clients/客户-ünïcødé", 404, "not_found");
        Status("id: '#' and '?'", "GET", "/api/clients/a%23b%3Fc", 404, "not_found");
        Status("id: backslash", "POST", "/api/clients/a%5Cb/enable", 404, "not_found");
        Status("id: well-formed, never issued", "GET", "/api/clients/000000000000aaaaaaaaaaaaaaaa", 404, "not_found");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_AnswersAProblem_AndChangesNothing(
        string label, string method, string route, string? body, string? contentType, int status, string code, string? field, bool chunked)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Existing");
        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString);

        using HttpRequestMessage request = Request(admin, method, route.Replace("{id}", client.Id, StringComparison.Ordinal), body, contentType, chunked);
        using HttpResponseMessage response = await admin.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode < 500, $"{label}: {method} {route} answered {(int)response.StatusCode}: {text}");
        Assert.True((int)response.StatusCode == status, $"{label}: expected {status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = JsonDocument.Parse(text).RootElement;
        Assert.Contains(problem.GetProperty("code").GetString(), code.Split('|'));
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        if (status == 400)
        {
            JsonElement errors = problem.GetProperty("errors");
            Assert.Equal(JsonValueKind.Object, errors.ValueKind);
            if (field is not null)
            {
                Assert.True(errors.TryGetProperty(field, out JsonElement messages), $"{label}: errors do not name '{field}': {errors}");
                Assert.NotEqual(0, messages.GetArrayLength());
            }
        }

        if (status == 405)
        {
            string[] allow = response.Content.Headers.Allow.Select(verb => verb.ToUpperInvariant()).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(ExpectedAllow[route], allow);
        }

        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString));
    }

    /// <summary>
    /// Validate takes no JWT, so these reach it from anyone: an escape that decodes to no text is a 400 like any
    /// other bad body, never a 500 (API.md, "No input may produce a 500").
    /// </summary>
    [Theory]
    [InlineData("""{"token":"\ud800"}""", "validation_failed", "token")]
    [InlineData("""{"token":"blue_\udc00"}""", "validation_failed", "token")]
    [InlineData("""{"\ud800":1}""", "malformed_json", "body")]
    [InlineData("""{"token":"x","pad":{"a":{"\udbff":1}}}""", "malformed_json", "body")]
    public async Task Validate_BodyWithAnUnpairedSurrogate_Is400NamingWhere(string body, string code, string field)
    {
        using HttpClient http = Host.CreateClient();

        using HttpResponseMessage response = await http.PostAsync("/api/validate", new StringContent(body, Encoding.UTF8, Json));

        (await response.AssertProblemAsync(400, code)).AssertErrorOn(field);
    }

    /// <summary>
    /// Unknown fields cannot make an answer much larger than the body that asked: at most ten are named (each name
    /// cut to 64 characters, since the writer escapes <c>&lt;</c> as six bytes), and the rest are counted.
    /// </summary>
    [Theory]
    [InlineData("short names")]
    [InlineData("one long name")]
    public async Task Validate_A64KiBBodyOfUnknownFields_GetsASmallAnswer(string shape)
    {
        var json = new StringBuilder("{");
        if (shape == "short names")
        {
            for (int i = 0; json.Length < MaxBody - 16; i++)
            {
                json.Append(i == 0 ? "" : ",").Append($"\"{i}\":0");
            }
        }
        else
        {
            json.Append('"').Append('<', MaxBody - 8).Append("\":0");
        }

        string body = json.Append('}').ToString();
        Assert.InRange(Encoding.UTF8.GetByteCount(body), MaxBody - 32, MaxBody);
        using HttpClient http = Host.CreateClient();

        using HttpResponseMessage response = await http.PostAsync("/api/validate", new StringContent(body, Encoding.UTF8, Json));

        JsonElement problem = await response.AssertProblemAsync(400, "validation_failed");
        Assert.InRange((await response.Content.ReadAsByteArrayAsync()).Length, 1, 8 * 1024);
        JsonElement[] named = problem.GetProperty("errors").EnumerateObject().Where(field => field.Name != "body").Select(field => field.Value).ToArray();
        if (shape == "short names")
        {
            Assert.Equal(10, named.Length);
            string counted = problem.GetProperty("errors").GetProperty("body")[0].GetString()!;
            Assert.Contains("the first 10 are named", counted, StringComparison.Ordinal);
            Assert.Contains("more are left out", counted, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal([new string('<', 64) + "…"], problem.GetProperty("errors").EnumerateObject().Select(field => field.Name));
        }
    }

    /// <summary>
    /// An encoded NUL cannot cross the in-memory test server (its client throws before sending), so this one goes
    /// over a real socket to Kestrel, as on the Functions host: refused as a client error, never a 500.
    /// </summary>
    [Theory]
    [InlineData("GET", "/api/clients/%00")]
    [InlineData("GET", "/api/clients/%00/token")]
    [InlineData("DELETE", "/api/clients/a%00b")]
    [InlineData("POST", "/api/clients/%00/disable")]
    public async Task Id_WithAnEncodedNul_IsAClientErrorOverARealSocket_AndChangesNothing(string method, string path)
    {
        await using var host = new LocalHostFactory(Stack);
        host.UseKestrel(0);
        host.StartServer();
        using HttpClient http = host.CreateClient();
        var admin = new AdminApi(http, $"tenant-{Guid.NewGuid():N}");
        await admin.CreateAsync("Existing");
        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString);

        using HttpRequestMessage request = Request(admin, method, path, body: null, contentType: null, chunked: false);
        using HttpResponseMessage response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        if (text.Length > 0)
        {
            // Where a function answers at all, it answers as for any id that cannot be ours.
            await response.AssertProblemAsync(404, "not_found");
        }

        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString));
    }

    /// <summary>The boundary of the size limit: exactly 64 KiB is read; one byte more is refused.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Body_OfExactly64KiB_IsAccepted(bool chunked)
    {
        AdminApi admin = NewTenant();
        string body = Padded("""{"name":"Boundary","role":"analyst"}""", MaxBody);

        using HttpRequestMessage request = Request(admin, "POST", Create, body, Json, chunked);
        using HttpResponseMessage response = await admin.Http.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Body_OfOneByteOver64KiB_IsRefused(bool chunked)
    {
        AdminApi admin = NewTenant();
        string body = Padded("""{"name":"Boundary","role":"analyst"}""", MaxBody + 1);
        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString);

        using HttpRequestMessage request = Request(admin, "POST", Create, body, Json, chunked);
        using HttpResponseMessage response = await admin.Http.SendAsync(request);

        await response.AssertProblemAsync(413, "payload_too_large");
        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString));
    }

    private static HttpRequestMessage Request(AdminApi admin, string method, string path, string? body, string? contentType, bool chunked)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestJwt.Admin(admin.Tenant, admin.Subject));
        if (body is null)
        {
            return request;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(body);
        request.Content = chunked ? new StreamContent(new NonSeekableStream(bytes)) : new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        Assert.Equal(chunked, request.Content.Headers.ContentLength is null);
        return request;
    }

    /// <summary>A JSON object padded with spaces before its closing brace to exactly <paramref name="bytes"/> bytes.</summary>
    private static string Padded(string json, int bytes) =>
        json[..^1] + new string(' ', bytes - Encoding.UTF8.GetByteCount(json)) + "}";

    /// <summary>A body whose length HttpClient cannot know, so that it is sent chunked, without Content-Length.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
