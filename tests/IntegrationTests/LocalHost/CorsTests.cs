using System.Net;
using System.Net.Http.Headers;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.LocalHost;

/// <summary>
/// <c>Cors__AllowedOrigins</c> on LocalHost: the BLUE interface's origin may call the management API from a browser
/// (preflight answered, the API's headers allowed and its answer's headers exposed); no other origin may, and
/// validate answers no origin at all.
/// </summary>
[Collection(StackTests.Name)]
public sealed class CorsTests(StackFixture stack) : IAsyncLifetime
{
    private const string Interface = "https://blue.example.test";
    private const string Staging = "http://127.0.0.1:5173";
    private const string Elsewhere = "https://evil.example.test";

    private LocalHostFactory? _host;

    private LocalHostFactory Host => _host ?? throw new InvalidOperationException("Not initialised.");

    public Task InitializeAsync()
    {
        _host = new LocalHostFactory(stack, new Dictionary<string, string?> { ["Cors:AllowedOrigins"] = $"{Interface}, {Staging}" });
        _ = _host.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(Interface, "/api/clients", "POST", "authorization,content-type")]
    [InlineData(Staging, "/api/clients/some-client", "PATCH", "authorization,content-type,if-match")]
    [InlineData(Interface, "/api/clients/some-client", "DELETE", "authorization,if-match")]
    [InlineData(Interface, "/api/audit", "GET", "authorization")]
    public async Task Preflight_FromAnAllowedOrigin_AllowsTheMethodAndHeaders(string origin, string path, string method, string headers)
    {
        using HttpClient client = Host.CreateClient();

        using HttpResponseMessage response = await client.SendAsync(Preflight(path, origin, method, headers));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method, Single(response, "Access-Control-Allow-Methods").Split(','), StringComparer.Ordinal);
        string[] allowed = Single(response, "Access-Control-Allow-Headers").Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        Assert.All(headers.Split(','), header => Assert.Contains(header, allowed));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), "bearer tokens only: no credentials");
        Assert.Equal("600", Single(response, "Access-Control-Max-Age"));
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_GetsNoAllowHeaders()
    {
        using HttpClient client = Host.CreateClient();

        using HttpResponseMessage response = await client.SendAsync(Preflight("/api/clients", Elsewhere, "POST", "authorization,content-type"));

        AssertNoCors(response);
    }

    [Fact]
    public async Task Preflight_ForAHeaderTheApiDoesNotRead_IsNotAllowed()
    {
        using HttpClient client = Host.CreateClient();

        using HttpResponseMessage response = await client.SendAsync(Preflight("/api/clients", Interface, "GET", "authorization,x-forwarded-for"));

        // The middleware answers with the headers it allows; the browser refuses a request that needs more.
        string allowed = response.Headers.TryGetValues("Access-Control-Allow-Headers", out IEnumerable<string>? values) ? string.Join(',', values) : "";
        Assert.DoesNotContain("x-forwarded-for", allowed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_FromAnAllowedOrigin_CarriesTheOrigin_AndExposesTheApiHeaders()
    {
        var admin = new AdminApi(Host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        string id = (await admin.CreateAsync("BI")).Client.GetProperty("id").GetString()!;

        using HttpResponseMessage list = await SendAsync(admin, HttpMethod.Get, "/api/clients", Interface);
        using HttpResponseMessage one = await SendAsync(admin, HttpMethod.Get, $"/api/clients/{id}", Staging);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(Interface, Single(list, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.NotNull(one.Headers.ETag);
        Assert.Equal(Staging, Single(one, "Access-Control-Allow-Origin"));
        string[] exposed = Single(one, "Access-Control-Expose-Headers").Split(',').Select(h => h.Trim()).ToArray();
        Assert.Contains("ETag", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Location", exposed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Retry-After", exposed, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Refusal_FromAnAllowedOrigin_IsReadableByThePage()
    {
        // A 401 problem the page cannot read would leave the admin with a bare "network error".
        using HttpClient client = Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/clients");
        request.Headers.Add("Origin", Interface);

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(Interface, Single(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Get_FromAnotherOrigin_CarriesNoOrigin()
    {
        var admin = new AdminApi(Host.CreateClient(), $"tenant-{Guid.NewGuid():N}");

        using HttpResponseMessage response = await SendAsync(admin, HttpMethod.Get, "/api/clients", Elsewhere);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // CORS is the browser's check; the server only withholds its consent
        AssertNoCors(response);
    }

    [Theory]
    [InlineData("/api/validate", "POST")]
    [InlineData("/api/health", "GET")]
    public async Task ServerEndpoints_AnswerNoOrigin_EvenAnAllowedOne(string path, string method)
    {
        using HttpClient client = Host.CreateClient();

        using HttpResponseMessage preflight = await client.SendAsync(Preflight(path, Interface, method, "authorization,content-type"));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Origin", Interface);
        using HttpResponseMessage actual = await client.SendAsync(request);

        AssertNoCors(preflight);
        AssertNoCors(actual);
    }

    [Fact]
    public async Task Unset_AllowsNoOrigin()
    {
        await using var host = new LocalHostFactory(stack);
        var admin = new AdminApi(host.CreateClient(), $"tenant-{Guid.NewGuid():N}");

        using HttpResponseMessage preflight = await admin.Http.SendAsync(Preflight("/api/clients", Interface, "POST", "authorization,content-type"));
        using HttpResponseMessage actual = await SendAsync(admin, HttpMethod.Get, "/api/clients", Interface);

        AssertNoCors(preflight);
        Assert.Equal(HttpStatusCode.OK, actual.StatusCode);
        AssertNoCors(actual);
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static Task<HttpResponseMessage> SendAsync(AdminApi admin, HttpMethod method, string path, string origin)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestJwt.Admin(admin.Tenant));
        request.Headers.Add("Origin", origin);
        return admin.Http.SendAsync(request);
    }

    private static string Single(HttpResponseMessage response, string header)
    {
        Assert.True(response.Headers.TryGetValues(header, out IEnumerable<string>? values), $"{header} is missing ({(int)response.StatusCode})");
        return string.Join(',', values);
    }

    private static void AssertNoCors(HttpResponseMessage response)
    {
        string[] cors = response.Headers.Select(header => header.Key)
            .Where(name => name.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        Assert.True(cors.Length == 0, $"CORS headers {string.Join(", ", cors)} on a {(int)response.StatusCode} answer");
    }
}
