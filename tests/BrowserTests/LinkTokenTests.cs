using System.Collections.Concurrent;
using System.Security.Cryptography;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// Outside a local run the page takes no token from a <c>#token=</c> link, even where it has no identity provider
/// to sign in at: a link carrying an attacker's JWT would sign the victim into the attacker's tenant (login CSRF).
/// LocalHost runs here as a staging deployment would (<c>AZURE_FUNCTIONS_ENVIRONMENT=Staging</c>, keys of its own,
/// no <c>Auth__UiClientId</c>); the JWT it prints stands for the attacker's link, then is pasted as a token should be.
/// </summary>
[Collection(StackTests.Name)]
public sealed class LinkTokenTests(StackFixture stack) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private LocalHostProcess? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        Task<LocalHostProcess> host = LocalHostProcess.StartAsync(stack, $"staging-{Guid.NewGuid().ToString("N")[..8]}", TimeSpan.FromSeconds(30), settings: new Dictionary<string, string>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Staging",
            // The sample file's keys are refused outside a local run.
            ["Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["Tokens__EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions(Chromium.ExecutablePath()));
        _host = await host;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task ALinkToken_IsIgnoredOutsideALocalRun_AndThePasteBoxStillSignsIn()
    {
        var shots = new Screenshots("link-token-outside-local-run");
        await using IBrowserContext context = await _browser!.NewContextAsync();
        context.SetDefaultTimeout(10_000);
        IPage page = await NewPageAsync(context);
        string address = _host!.BaseUrl + "/api/ui/";

        // The link signs nobody in, leaves the address bar, and the page says why.
        await page.GotoAsync(address + "#token=" + _host.Jwt);
        await Expect(page.Locator("#sign-in-reason")).ToContainTextAsync("does not accept outside a local run");
        await Expect(page.Locator("#workspace")).ToBeHiddenAsync();
        await Expect(page.Locator("#sign-in-form")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')"));
        Assert.Equal(address, page.Url);
        await shots.TakeAsync(page, "link-refused");

        // Nor does one opened in the tab that already shows the page (only the fragment changes).
        await page.EvaluateAsync("token => { window.location.hash = 'token=' + token; }", _host.Jwt);
        await Expect(page).ToHaveURLAsync(address); // taken out of the address bar again, and not used
        await Expect(page.Locator("#sign-in-reason")).ToContainTextAsync("does not accept outside a local run");
        await Expect(page.Locator("#workspace")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')"));

        // The paste box is the way in: the same JWT, pasted, signs in.
        await page.GetByLabel("Bearer token").FillAsync(_host.Jwt);
        await page.Locator("#sign-in-form").GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#identity")).ToContainTextAsync("dev-admin");
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await shots.TakeAsync(page, "pasted");

        Assert.Empty(_pageErrors);
    }

    private Task<IPage> NewPageAsync(IBrowserContext context) => Chromium.NewWatchedPageAsync(context, _pageErrors);
}
