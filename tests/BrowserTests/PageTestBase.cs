using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BlueTokens.BrowserTests;

/// <summary>
/// What the page's tests share: one LocalHost process over the shared Azurite and Redis and one headless Chromium
/// per test class, watched tabs, the admin API with the development JWT, and validate called as a connector would.
/// </summary>
public abstract class PageTestBase(StackFixture stack, string hostName) : IAsyncLifetime
{
    protected static readonly ViewportSize Desktop = new() { Width = 1280, Height = 860 };

    private LocalHostProcess? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private HttpClient? _connector;
    private HttpClient? _admin;

    /// <summary>Script and console errors of the watched tabs; every test expects it empty at its end.</summary>
    protected ConcurrentQueue<string> PageErrors { get; } = new();

    private protected LocalHostProcess Host => _host ?? throw new InvalidOperationException("Not initialised.");

    protected IBrowser Browser => _browser ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The host without credentials: a connector, or GitHub.</summary>
    protected HttpClient Connector => _connector ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The host with the development admin's JWT.</summary>
    protected HttpClient Admin => _admin ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        string chromium = Chromium.ExecutablePath();
        IReadOnlyDictionary<string, string>? settings = await SettingsAsync();
        Task<LocalHostProcess> host = LocalHostProcess.StartAsync(stack, $"{hostName}-{Guid.NewGuid().ToString("N")[..8]}", TimeSpan.FromSeconds(30), settings: settings);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions(chromium));
        _host = await host;
        _connector = new HttpClient { BaseAddress = new Uri(_host.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        _admin = new HttpClient { BaseAddress = new Uri(_host.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        _admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _host.Jwt);
    }

    public async Task DisposeAsync()
    {
        _connector?.Dispose();
        _admin?.Dispose();
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await DisposedAsync();
    }

    /// <summary>The host's settings, made before it starts (a test's key server, a short flush interval).</summary>
    protected virtual Task<IReadOnlyDictionary<string, string>?> SettingsAsync() => Task.FromResult<IReadOnlyDictionary<string, string>?>(null);

    /// <summary>After the host and the browser have stopped.</summary>
    protected virtual ValueTask DisposedAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// A tab whose script errors and console errors fail the test, except the browser's own note of an API call
    /// answered with an error status (tests provoke 400s and 409s), which the page shows as it should.
    /// </summary>
    protected async Task<IPage> NewPageAsync(IBrowserContext context)
    {
        IPage page = await context.NewPageAsync();
        string api = Host.BaseUrl + "/api/";
        page.PageError += (_, error) => PageErrors.Enqueue(error);
        page.Console += (_, message) =>
        {
            bool apiRefusal = message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)
                && message.Location.StartsWith(api, StringComparison.Ordinal)
                && !message.Location.StartsWith(api + "ui/", StringComparison.Ordinal);
            if (message.Type == "error" && !apiRefusal)
            {
                PageErrors.Enqueue($"{message.Text} ({message.Location})");
            }
        };
        return page;
    }

    /// <summary>What a connector calling from loopback is told for this token: "200 valid" or "401 {code}".</summary>
    protected async Task<string> ValidateAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await Connector.SendAsync(request);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        string outcome = response.StatusCode == HttpStatusCode.OK && body.RootElement.GetProperty("valid").GetBoolean()
            ? "valid"
            : body.RootElement.TryGetProperty("code", out JsonElement code) ? code.GetString() ?? "" : "";
        return $"{(int)response.StatusCode} {outcome}";
    }
}
