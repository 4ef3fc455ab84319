using System.Collections.Concurrent;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// The page's production sign-in in a real browser: LocalHost configured as in Azure (no development key; admin
/// JWTs verified with the keys of the <c>Auth__Authority</c>'s discovery document) and with
/// <c>Auth__UiClientId</c>, against an OpenID Connect provider on loopback. The page must run the authorization
/// code flow with PKCE, call the API with the access token it gets, and say clearly why a sign-in failed.
/// </summary>
[Collection(StackTests.Name)]
public sealed class SignInTests(StackFixture stack) : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly string _tenant = $"sso-{Guid.NewGuid().ToString("N")[..8]}";
    private FakeIdentityProvider? _provider;
    private LocalHostProcess? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        int port = ServerProcess.FreePort();
        string page = $"http://127.0.0.1:{port}/api/ui/";
        _provider = await FakeIdentityProvider.StartAsync(_tenant, redirectUri: page);
        _host = await LocalHostProcess.StartAsync(stack, _tenant, TimeSpan.FromSeconds(30), port, new Dictionary<string, string>
        {
            ["Auth__SigningKey"] = "",
            ["Auth__Authority"] = _provider.Authority,
            ["Auth__Issuer"] = _provider.Authority,
            ["Auth__Audience"] = FakeIdentityProvider.Audience,
            ["Auth__UiClientId"] = FakeIdentityProvider.ClientId,
            ["Auth__UiScope"] = "openid profile api://blue-token-service/admin",
            ["Expiry__WarningDays"] = "100", // beyond the default 90-day lifetime: every new token is flagged
        });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(Chromium.LaunchOptions(Chromium.ExecutablePath()));
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

        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task Administrator_SignsInAtTheIdentityProvider_AndManagesClientsWithItsToken()
    {
        var shots = new Screenshots("sign-in");
        await using IBrowserContext context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new() { Width = 1280, Height = 860 } });
        context.SetDefaultTimeout(10_000);
        IPage page = await NewPageAsync(context);

        // Configured for a provider: the page offers it, not the development hints or a token field.
        await page.GotoAsync(_host!.BaseUrl + "/api/ui/");
        ILocator signIn = page.GetByRole(AriaRole.Button, new() { Name = "Sign in with your organization" });
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(page.Locator("#sign-in-local")).ToBeHiddenAsync();
        await Expect(page.Locator("#sign-in-form")).ToBeHiddenAsync();
        await shots.TakeAsync(page, "provider");

        // Out to the provider and back: code flow with PKCE, the code redeemed with its verifier.
        await signIn.ClickAsync();
        await Expect(page.Locator("#identity")).ToContainTextAsync(FakeIdentityProvider.Subject);
        await Expect(page.Locator("#identity")).ToContainTextAsync(_tenant);
        Assert.Equal(["authorize", "token issued"], _provider!.Events);
        Assert.Equal("fragment", _provider.LastResponseMode); // the code never travels to a server
        Assert.Equal(_host.BaseUrl + "/api/ui/", page.Url); // the code and state left the address bar
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await shots.TakeAsync(page, "signed-in");

        // The API accepts the provider's access token: a client is created in the signed-in tenant, and its
        // expiry is flagged by the service's own Expiry__WarningDays (100 days here, 90-day token).
        await page.GetByLabel("Client Name").FillAsync("JDBC");
        await page.GetByLabel("Client Role").FillAsync("reader");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate Token", Exact = true }).ClickAsync();
        await Expect(page.Locator("#token-dialog").GetByRole(AriaRole.Heading)).ToHaveTextAsync("New token for JDBC");
        await page.Locator("#token-dialog").GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        ILocator row = page.Locator("#clients-body tr[data-client-name='JDBC']");
        await Expect(row.Locator(".expiry-warning")).ToContainTextAsync("Expires in");
        await shots.TakeAsync(page, "created-with-provider-token");

        // Signing out forgets the token; signing in again goes through the provider again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(page.Locator("#identity")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')"));
        await signIn.ClickAsync();
        await Expect(page.Locator("#identity")).ToBeVisibleAsync();
        await Expect(page.Locator("#identity")).ToContainTextAsync(FakeIdentityProvider.Subject);
        await Expect(row).ToBeVisibleAsync();
        Assert.Equal(["authorize", "token issued", "authorize", "token issued"], _provider.Events);

        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task SignInsThatFail_AreExplained_AndNothingIsRedeemedOrLost()
    {
        var shots = new Screenshots("sign-in-refusals");
        await using IBrowserContext context = await _browser!.NewContextAsync();
        context.SetDefaultTimeout(10_000);
        IPage page = await NewPageAsync(context);
        ILocator reason = page.Locator("#sign-in-reason");
        ILocator signIn = page.GetByRole(AriaRole.Button, new() { Name = "Sign in with your organization" });

        // A response this tab never asked for (a forged or replayed redirect): refused before its text is shown.
        await page.GotoAsync(_host!.BaseUrl + "/api/ui/#error=access_denied&error_description=Call+0800+now&state=forged");
        await Expect(reason).ToContainTextAsync("does not match a sign-in started in this tab");
        await Expect(reason).Not.ToContainTextAsync("0800");
        await page.GotoAsync(_host.BaseUrl + "/api/ui/?code=ABC123&state=forged");
        await Expect(reason).ToContainTextAsync("does not match a sign-in started in this tab");
        Assert.Equal(_host.BaseUrl + "/api/ui/", page.Url);
        await Expect(page.Locator("#workspace")).ToBeHiddenAsync();
        await shots.TakeAsync(page, "forged");

        // The provider refuses (the user cancelled): its own words, for this tab's sign-in.
        _provider!.DenyNext = "The user cancelled the sign-in.";
        await signIn.ClickAsync();
        await Expect(reason).ToContainTextAsync("The identity provider did not sign you in: The user cancelled the sign-in.");
        await shots.TakeAsync(page, "refused");

        // An ID token for another sign-in (nonce mismatch): not accepted, though the code was redeemed.
        _provider.WrongNonceNext = true;
        await signIn.ClickAsync();
        await Expect(reason).ToContainTextAsync("nonce mismatch");
        await Expect(page.Locator("#workspace")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')"));

        // Signed in, a forged response does not end the session: it is reported, and the work goes on.
        await signIn.ClickAsync();
        await Expect(page.Locator("#identity")).ToBeVisibleAsync();
        await page.GotoAsync(_host.BaseUrl + "/api/ui/?code=ABC123&state=forged");
        await Expect(page.Locator("#alert")).ToContainTextAsync("does not match a sign-in started in this tab");
        await Expect(page.Locator("#identity")).ToContainTextAsync(FakeIdentityProvider.Subject);
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await shots.TakeAsync(page, "forged-while-signed-in");

        Assert.Equal(["authorize denied", "authorize", "token issued", "authorize", "token issued"], _provider.Events);
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task ALinkCarryingSomeoneElsesToken_SignsNobodyIn_WhereThePageSignsInAtAProvider()
    {
        // Login CSRF: the attacker's own valid JWT (their tenant, the same provider), sent to a victim as a link.
        var shots = new Screenshots("sign-in-link-refused");
        string attackerTenant = $"attacker-{Guid.NewGuid().ToString("N")[..8]}";
        string attackers = _provider!.AccessTokenFor(attackerTenant, "mallory@attacker.example");
        await using IBrowserContext context = await _browser!.NewContextAsync();
        context.SetDefaultTimeout(10_000);
        IPage page = await NewPageAsync(context);

        await page.GotoAsync(_host!.BaseUrl + "/api/ui/#token=" + attackers);
        await Expect(page.Locator("#sign-in-reason")).ToContainTextAsync("does not accept");
        await Expect(page.Locator("#workspace")).ToBeHiddenAsync();
        await Expect(page.Locator("#sign-in-form")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')"));
        Assert.Equal(_host.BaseUrl + "/api/ui/", page.Url); // the token left the address bar
        await shots.TakeAsync(page, "refused-link");

        // Signed in as themselves, the victim opens the link in the same tab: they stay who they are.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with your organization" }).ClickAsync();
        await Expect(page.Locator("#identity")).ToContainTextAsync(_tenant);
        await page.EvaluateAsync("token => { window.location.hash = 'token=' + token; }", attackers);
        await Expect(page.Locator("#alert")).ToContainTextAsync("does not accept");
        await Expect(page.Locator("#identity")).ToContainTextAsync(_tenant);
        await Expect(page.Locator("#identity")).Not.ToContainTextAsync(attackerTenant);
        string? held = await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')");
        Assert.NotEqual(attackers, held);

        // Nor does a script that submits the hidden paste form.
        await page.EvaluateAsync("token => { document.getElementById('sign-in-token').value = token; document.getElementById('sign-in-form').requestSubmit(); }", attackers);
        Assert.Equal(held, await page.EvaluateAsync<string?>("() => sessionStorage.getItem('blue.adminToken')"));
        Assert.Empty(_pageErrors);
    }

    private Task<IPage> NewPageAsync(IBrowserContext context) => Chromium.NewWatchedPageAsync(context, _pageErrors);
}
