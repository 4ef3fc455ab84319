using System.Net.Http.Headers;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// The BLUE interface calls the management API from its own origin: in a real browser (Debian's chromium) against
/// the real LocalHost, a page from the origin named in <c>Cors__AllowedOrigins</c> lists and creates clients and
/// reads the answer's headers, and the same page from any other origin gets nothing: the browser refuses every
/// call, and the write never reaches the API.
/// </summary>
[Collection(StackTests.Name)]
public sealed class BlueInterfaceOriginTests(StackFixture stack) : IAsyncLifetime
{
    private OtherOriginPage? _allowed;
    private OtherOriginPage? _elsewhere;
    private LocalHostProcess? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private LocalHostProcess Host => _host ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The development admin JWT LocalHost printed, as an admin of the BLUE interface would hold one.</summary>
    private string Bearer => Host.SignInLink[(Host.SignInLink.IndexOf("#token=", StringComparison.Ordinal) + "#token=".Length)..];

    public async Task InitializeAsync()
    {
        string chromium = Chromium.ExecutablePath();
        _allowed = await OtherOriginPage.StartAsync();
        _elsewhere = await OtherOriginPage.StartAsync();
        Task<LocalHostProcess> host = LocalHostProcess.StartAsync(
            stack,
            $"cors-{Guid.NewGuid().ToString("N")[..8]}",
            TimeSpan.FromSeconds(30),
            settings: new Dictionary<string, string> { ["Cors__AllowedOrigins"] = _allowed.Origin });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions(chromium));
        _host = await host;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        foreach (IAsyncDisposable? server in new IAsyncDisposable?[] { _host, _allowed, _elsewhere })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Page_FromTheAllowedOrigin_ListsAndCreatesClients_AndReadsTheirHeaders()
    {
        string name = $"BI-{Guid.NewGuid().ToString("N")[..8]}";

        using JsonDocument result = await RunPageAsync(_allowed!, name);

        JsonElement before = result.RootElement.GetProperty("before");
        JsonElement create = result.RootElement.GetProperty("create");
        JsonElement after = result.RootElement.GetProperty("after");
        Assert.Equal(200, before.GetProperty("status").GetInt32());
        Assert.DoesNotContain(name, Names(before));
        Assert.Equal(201, create.GetProperty("status").GetInt32());
        Assert.StartsWith("\"", create.GetProperty("etag").GetString()); // exposed: the page can send it back as If-Match
        Assert.Contains("/clients/", create.GetProperty("location").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, after.GetProperty("status").GetInt32());
        Assert.Contains(name, Names(after));
    }

    [Fact]
    public async Task Page_FromAnotherOrigin_IsRefused_AndItsWriteNeverReachesTheApi()
    {
        string name = $"BI-{Guid.NewGuid().ToString("N")[..8]}";

        using JsonDocument result = await RunPageAsync(_elsewhere!, name);

        Assert.Equal("refused", result.RootElement.GetProperty("before").GetString());
        Assert.Equal("refused", result.RootElement.GetProperty("create").GetString());
        Assert.Equal("refused", result.RootElement.GetProperty("after").GetString());

        // The preflight was refused, so the browser never sent the POST: the tenant has no such client.
        using var api = new HttpClient { BaseAddress = new Uri(Host.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Bearer);
        using JsonDocument clients = JsonDocument.Parse(await api.GetStringAsync("/api/clients"));
        Assert.DoesNotContain(name, Names(clients.RootElement));
    }

    private async Task<JsonDocument> RunPageAsync(OtherOriginPage origin, string name)
    {
        await using IBrowserContext context = await _browser!.NewContextAsync();
        context.SetDefaultTimeout(10_000);
        IPage page = await context.NewPageAsync();

        await page.GotoAsync(origin.Url(Host.BaseUrl + "/api", Bearer, name));
        ILocator result = page.Locator("#result");
        await Expect(result).Not.ToHaveTextAsync("running");

        return JsonDocument.Parse(await result.TextContentAsync() ?? "");
    }

    private static string[] Names(JsonElement list) =>
        list.GetProperty(list.TryGetProperty("names", out _) ? "names" : "items").EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetProperty("name").GetString()!)
            .ToArray();
}
