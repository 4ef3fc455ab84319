using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.IntegrationTests.SecretScanning;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// A client whose token GitHub secret scanning reported, on the page: marked Leaked, with where it was found (a
/// link only where the place is https) and when; Enable says why it cannot, and Regenerate is the way back. The
/// real LocalHost reads its keys from a key server on loopback, and the report is signed as GitHub signs it.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LeakedClientPageTests(StackFixture stack) : PageTestBase(stack, "leak")
{
    private const string FoundAt = "https://github.com/octo/app/blob/main/.env";

    private readonly SigningKey _key = new();
    private KeyServer? _keys;

    protected override async Task<IReadOnlyDictionary<string, string>?> SettingsAsync()
    {
        _keys = await KeyServer.StartAsync(_key);
        return new Dictionary<string, string> { ["SecretScanning__KeysUrl"] = _keys.Url };
    }

    protected override async ValueTask DisposedAsync()
    {
        if (_keys is not null)
        {
            await _keys.DisposeAsync();
        }

        _key.Dispose();
    }

    [Fact]
    public async Task ALeakedClient_IsMarkedWithWhereAndWhen_EnableSaysWhyNot_AndRegenerateIsTheWayBack()
    {
        var shots = new Screenshots("leaked-client");
        await using IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 860 } });
        context.SetDefaultTimeout(10_000);
        IPage page = await context.NewPageAsync();
        page.PageError += (_, error) => PageErrors.Enqueue(error);
        await page.GotoAsync(Host.SignInLink);
        string token = await CreateAsync(page, "BI");
        string other = await CreateAsync(page, "JDBC");

        // GitHub reports BI's token found at an https address, and JDBC's at a place that must never become a link.
        await ReportAsync(token, FoundAt);
        await ReportAsync(other, "javascript:alert(document.domain)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();

        ILocator row = page.Locator("#clients-body tr[data-client-name='BI']");
        await Expect(row.Locator(".badge")).ToHaveTextAsync("disabled");
        ILocator leak = row.Locator("[data-leak]");
        await Expect(leak.Locator(".leak-mark")).ToHaveTextAsync("Leaked");
        await Expect(leak).ToContainTextAsync("found in public (content)");
        await Expect(leak).ToContainTextAsync("regenerate its token");
        await Expect(leak.Locator("time")).ToHaveCountAsync(1);
        await Expect(leak.GetByRole(AriaRole.Link, new() { Name = FoundAt })).ToHaveAttributeAsync("href", FoundAt);
        ILocator otherLeak = page.Locator("#clients-body tr[data-client-name='JDBC'] [data-leak]");
        await Expect(otherLeak).ToContainTextAsync("javascript:alert(document.domain)");
        await Expect(otherLeak.Locator("a")).ToHaveCountAsync(0);
        await shots.TakeAsync(page, "leaked");

        // A narrow window: the long address wraps, nothing scrolls sideways.
        await page.SetViewportSizeAsync(390, 844);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px");
        await shots.TakeAsync(page, "leaked-narrow");
        await page.SetViewportSizeAsync(1280, 860);

        // Enable explains, and the token stays refused.
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable BI" }).ClickAsync();
        await Expect(page.Locator("#alert")).ToContainTextAsync("BI cannot be enabled yet");
        await Expect(page.Locator("#alert")).ToContainTextAsync("Regenerate its token first");
        await Expect(row.Locator(".badge")).ToHaveTextAsync("disabled");
        Assert.Equal("401 invalid_token", await ValidateAsync(token));
        await shots.TakeAsync(page, "enable-refused");

        // Regenerate: the mark goes, the client stays disabled; then Enable works and only the new token is valid.
        await page.GetByRole(AriaRole.Button, new() { Name = "Regenerate token of BI" }).ClickAsync();
        await page.Locator("#regenerate-dialog").GetByRole(AriaRole.Button, new() { Name = "Regenerate", Exact = true }).ClickAsync();
        ILocator tokenDialog = page.Locator("#token-dialog");
        await Expect(tokenDialog).ToContainTextAsync("The reported token stays stopped");
        string fresh = await tokenDialog.GetByLabel("Access token").InputValueAsync();
        await tokenDialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(row.Locator("[data-leak]")).ToHaveCountAsync(0);
        await Expect(row.Locator(".badge")).ToHaveTextAsync("disabled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enable BI" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("active");
        Assert.Equal("200 valid", await ValidateAsync(fresh));
        Assert.Equal("401 invalid_token", await ValidateAsync(token));

        // The audit trail says who found it, and where.
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit of BI" }).ClickAsync();
        ILocator leaked = page.Locator("#audit-list > li[data-action='token.leaked']");
        await Expect(leaked).ToContainTextAsync("Token found in public");
        await Expect(leaked).ToContainTextAsync("secret-scanning");
        await Expect(leaked).ToContainTextAsync($"found at {FoundAt}");
        await shots.TakeAsync(page, "audit");

        Assert.Empty(PageErrors);
    }

    /// <summary>Creates a client on the page and gives back its token, the token dialog closed.</summary>
    private static async Task<string> CreateAsync(IPage page, string name)
    {
        await page.GetByLabel("Client Name").FillAsync(name);
        await page.GetByLabel("Client Role").FillAsync("analyst");
        await page.GetByLabel("Client Role").PressAsync("Enter");
        ILocator dialog = page.Locator("#token-dialog");
        await Expect(dialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync($"New token for {name}");
        string token = await dialog.GetByLabel("Access token").InputValueAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        return token;
    }

    private async Task ReportAsync(string token, string url)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new[] { Reporter.Item(token, url) });
        using HttpResponseMessage response = await new Reporter(Connector).ReportAsync(body, _key);
        Assert.Equal("true_positive", (await Reporter.AnswersAsync(response)).Single().Label);
    }
}
