using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// Each client's last 30 days on the page: a bar per UTC day drawn by the page, the totals in words for screen
/// readers, fetched lazily (only rows on screen ask, and a redraw of the list within half a minute asks nothing).
/// LocalHost flushes its counts every second here, so that the page sees them without waiting out 30 s.
/// </summary>
[Collection(StackTests.Name)]
public sealed class UsageChartTests(StackFixture stack) : PageTestBase(stack, "usage")
{
    private const int Clients = 40;

    protected override Task<IReadOnlyDictionary<string, string>?> SettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>?>(new Dictionary<string, string> { ["Validate__LastUseFlushInterval"] = "00:00:01" });

    [Fact]
    public async Task EachRow_ShowsItsLast30Days_AsBarsWithTheTotalsInWords_FetchedOnlyWhenOnScreen()
    {
        var shots = new Screenshots("usage");

        // BI: three valid answers and, once disabled, one refusal; JDBC and the rest: none.
        (string bi, string token) = await CreateAsync("BI");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, await ValidateStatusAsync(token));
        }

        (await Admin.PostAsync($"/api/clients/{bi}/disable", null)).EnsureSuccessStatusCode();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, await ValidateStatusAsync(token));
        await CreateAsync("JDBC");
        for (int i = 2; i < Clients; i++)
        {
            await CreateAsync($"client-{i:00}");
        }

        await WaitForCountsAsync(bi, valid: 3, refused: 1);

        await using IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 860 } });
        context.SetDefaultTimeout(10_000);
        IPage page = await context.NewPageAsync();
        page.PageError += (_, error) => PageErrors.Enqueue(error);
        var asked = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/usage", StringComparison.Ordinal))
            {
                asked.Enqueue(request.Url);
            }
        };
        await page.GotoAsync(Host.SignInLink);

        ILocator biRow = page.Locator("#clients-body tr[data-client-name='BI']");
        ILocator biChart = biRow.GetByRole(AriaRole.Img, new() { Name = "Last 30 days: 3 valid, 1 refused" });
        await Expect(biChart).ToBeVisibleAsync();
        await Expect(page.Locator("#clients-body tr[data-client-name='JDBC']").GetByRole(AriaRole.Img, new() { Name = "Last 30 days: 0 valid, 0 refused" })).ToBeVisibleAsync();

        // A bar per day, oldest first, ending today; only today's has height, valid and refused stacked.
        ILocator bars = biRow.Locator(".usage svg g.usage-day");
        await Expect(bars).ToHaveCountAsync(30);
        string[] dates = await bars.EvaluateAllAsync<string[]>("days => days.map(day => day.dataset.date)");
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), dates[^1]);
        Assert.Equal(dates.Order(StringComparer.Ordinal), dates);
        await Expect(bars.Last.Locator("rect.usage-valid")).ToHaveCountAsync(1);
        await Expect(bars.Last.Locator("rect.usage-refused")).ToHaveCountAsync(1);
        await Expect(biRow.Locator(".usage rect")).ToHaveCountAsync(2);
        Assert.Equal("true", await biRow.Locator(".usage svg").GetAttributeAsync("aria-hidden"));
        await shots.TakeAsync(page, "usage");

        // Lazily: the rows below the fold have not asked.
        int firstScreen = asked.Count;
        Assert.True(firstScreen >= 2 && firstScreen < Clients, $"{firstScreen} of {Clients} rows asked for their usage on the first screen");

        // A redraw of the list (Refresh) within half a minute asks nothing again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(biChart).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(500);
        Assert.Equal(firstScreen, asked.Count);

        // Scrolling the last row into view asks for its usage, once.
        ILocator last = page.Locator($"#clients-body tr[data-client-name='client-{Clients - 1:00}']");
        string lastId = (await last.GetAttributeAsync("data-client-id"))!;
        Assert.DoesNotContain(asked, url => url.Contains(lastId, StringComparison.Ordinal));
        await last.ScrollIntoViewIfNeededAsync();
        await Expect(last.GetByRole(AriaRole.Img, new() { Name = "Last 30 days: 0 valid, 0 refused" })).ToBeVisibleAsync();
        Assert.Single(asked, url => url.Contains(lastId, StringComparison.Ordinal));
        Assert.True(asked.Count < 2 * Clients, $"{asked.Count} usage requests for {Clients} clients");

        Assert.Empty(PageErrors);
    }

    private async Task<(string Id, string Token)> CreateAsync(string name)
    {
        using HttpResponseMessage response = await Admin.PostAsJsonAsync("/api/clients", new { name, role = "analyst" });
        response.EnsureSuccessStatusCode();
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("client").GetProperty("id").GetString()!, body.RootElement.GetProperty("token").GetString()!);
    }

    /// <summary>A connector's validate: no admin JWT.</summary>
    private async Task<System.Net.HttpStatusCode> ValidateStatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using HttpResponseMessage response = await Connector.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Until LocalHost's next flush (every second here) has written what was counted.</summary>
    private async Task WaitForCountsAsync(string clientId, long valid, long refused)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using JsonDocument body = JsonDocument.Parse(await Admin.GetStringAsync($"/api/clients/{clientId}/usage"));
            JsonElement[] days = [.. body.RootElement.GetProperty("days").EnumerateArray()];
            if ((days.Sum(day => day.GetProperty("valid").GetInt64()), days.Sum(day => day.GetProperty("refused").GetInt64())) == (valid, refused))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the usage of {clientId} is not {valid} valid, {refused} refused after 15 s");
            await Task.Delay(200);
        }
    }
}
