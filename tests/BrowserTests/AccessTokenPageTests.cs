using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// The Access Token Management page in a real browser (Debian's chromium, headless) against the real LocalHost
/// over real Azurite and redis-server: the administrator's whole workflow, each step checked in the page and, for
/// the token, through <c>POST /api/validate</c> as a connector would. A screenshot of each step is saved.
/// </summary>
[Collection(StackTests.Name)]
public sealed class AccessTokenPageTests(StackFixture stack) : PageTestBase(stack, "ui")
{
    [Fact]
    public async Task Administrator_CreatesShowsDisablesEnablesRegeneratesAndDeletesAClient()
    {
        var shots = new Screenshots();
        await using IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = Desktop,
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        context.SetDefaultTimeout(10_000);

        // Without a token: the root leads to the page, which says how to sign in.
        IPage anonymous = await NewPageAsync(context);
        await anonymous.GotoAsync(Host.BaseUrl + "/");
        Assert.Equal(Host.BaseUrl + "/api/ui/", anonymous.Url);
        await Expect(anonymous.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(anonymous.Locator("#signed-out")).ToContainTextAsync("./run.sh");
        await shots.TakeAsync(anonymous, "sign-in");
        await anonymous.CloseAsync();

        // The link LocalHost prints signs in; the JWT leaves the address bar and stays in the tab.
        IPage page = await NewPageAsync(context);
        await page.GotoAsync(Host.SignInLink);
        await Expect(page.Locator("#identity")).ToContainTextAsync("dev-admin");
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await shots.TakeAsync(page, "no-clients");

        // Create BI with role analyst (Enter submits): the token is shown once, with Copy and Done.
        await page.GetByLabel("Client Name").FillAsync("BI");
        await page.GetByLabel("Client Role").FillAsync("analyst");
        await page.GetByLabel("Client Role").PressAsync("Enter");
        ILocator tokenDialog = page.Locator("#token-dialog");
        await Expect(tokenDialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("New token for BI");
        await Expect(tokenDialog).ToContainTextAsync("accessToken=");
        string token = await tokenDialog.GetByLabel("Access token").InputValueAsync();
        Assert.Matches("^blue_[0-9A-Za-z]{38}$", token);
        await shots.TakeAsync(page, "created");

        await tokenDialog.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        await Expect(page.Locator("#token-copy-status")).ToHaveTextAsync("Copied to the clipboard.");
        string copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Equal(token, copied);
        await shots.TakeAsync(page, "copied");
        await CloseTokenDialogAsync(page);

        ILocator row = page.Locator("#clients-body tr[data-client-name='BI']");
        await Expect(row.Locator(".badge")).ToHaveTextAsync("active");
        await Expect(row).ToContainTextAsync("analyst");
        await Expect(row).ToContainTextAsync(token[..12]);
        await Expect(row).ToContainTextAsync("Never");
        Assert.Equal("200 valid", await ValidateAsync(copied));

        // A refusal shows the API's problem: names are unique, compared case-insensitively.
        await page.GetByLabel("Client Name").FillAsync("bi");
        await page.GetByLabel("Client Role").FillAsync("analyst");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate Token", Exact = true }).ClickAsync();
        await Expect(page.Locator("#alert")).ToContainTextAsync("Could not create bi:");
        await Expect(page.GetByLabel("Client Name")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#clients-body tr")).ToHaveCountAsync(1);
        await shots.TakeAsync(page, "name-taken");
        await page.GetByLabel("Client Name").FillAsync("");
        await page.GetByLabel("Client Role").FillAsync("");
        await Expect(page.Locator("#create-name-error")).ToBeEmptyAsync();

        // Show asks first, since it is audited, then gives the same token.
        await page.GetByRole(AriaRole.Button, new() { Name = "Show token of BI" }).ClickAsync();
        ILocator confirm = page.Locator("#confirm-dialog");
        await Expect(confirm).ToContainTextAsync("audit trail");
        await shots.TakeAsync(page, "show-confirm");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Show token" }).ClickAsync();
        await Expect(tokenDialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Token of BI");
        Assert.Equal(token, await tokenDialog.GetByLabel("Access token").InputValueAsync());
        await shots.TakeAsync(page, "shown");
        await CloseTokenDialogAsync(page);

        // Disable: refused at once. Enable: valid again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Disable BI" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("disabled");
        await Expect(page.Locator("#notice")).ToContainTextAsync("BI disabled");
        Assert.Equal("401 disabled", await ValidateAsync(token));
        await shots.TakeAsync(page, "disabled");

        await page.GetByRole(AriaRole.Button, new() { Name = "Enable BI" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("active");
        await Expect(page.Locator("#notice")).ToContainTextAsync("BI enabled");
        Assert.Equal("200 valid", await ValidateAsync(token));
        await shots.TakeAsync(page, "enabled");

        // Regenerate for 5 days without grace: the old token is refused, the new one valid, the expiry flagged.
        await page.GetByRole(AriaRole.Button, new() { Name = "Regenerate token of BI" }).ClickAsync();
        ILocator regenerate = page.Locator("#regenerate-dialog");
        await regenerate.GetByLabel("Lifetime (days)").FillAsync("5");
        await shots.TakeAsync(page, "regenerate");
        await regenerate.GetByRole(AriaRole.Button, new() { Name = "Regenerate", Exact = true }).ClickAsync();
        await Expect(tokenDialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("New token for BI");
        await Expect(tokenDialog).ToContainTextAsync("The old token has stopped working.");
        string newToken = await tokenDialog.GetByLabel("Access token").InputValueAsync();
        Assert.Matches("^blue_[0-9A-Za-z]{38}$", newToken);
        Assert.NotEqual(token, newToken);
        await CloseTokenDialogAsync(page);
        await Expect(row.Locator(".expiry-warning")).ToHaveTextAsync("⚠ Expires in 5 days");
        await Expect(row).ToContainTextAsync(newToken[..12]);
        Assert.Equal("401 invalid_token", await ValidateAsync(token));
        Assert.Equal("200 valid", await ValidateAsync(newToken));
        Screenshots.PublishToReadme(await shots.TakeAsync(page, "regenerated"));

        // A narrow window: no sideways scrolling, the actions still reachable.
        await page.SetViewportSizeAsync(390, 844);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px");
        ILocator delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete BI" });
        await delete.ScrollIntoViewIfNeededAsync();
        LocatorBoundingBoxResult? box = await delete.BoundingBoxAsync();
        Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= 390, "Delete BI is outside the narrow window");
        await shots.TakeAsync(page, "narrow");
        await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);

        // The audit trail, newest first.
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit of BI" }).ClickAsync();
        ILocator events = page.Locator("#audit-list > li");
        await Expect(events).ToHaveCountAsync(5);
        Assert.Equal(
            ["token.regenerated", "client.enabled", "client.disabled", "token.shown", "client.created"],
            await events.EvaluateAllAsync<string[]>("items => items.map(item => item.dataset.action)"));
        await shots.TakeAsync(page, "audit");
        await page.Locator("#audit-dialog").GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        // Delete, after a confirmation that names the client: gone from the list (also after a reload), refused.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete BI" }).ClickAsync();
        await Expect(confirm.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Delete BI?");
        await shots.TakeAsync(page, "delete-confirm");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete BI" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(page.Locator("#notice")).ToContainTextAsync("BI deleted");
        Assert.Equal("401 invalid_token", await ValidateAsync(newToken));
        await page.ReloadAsync();
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await shots.TakeAsync(page, "deleted");

        Assert.Empty(PageErrors);
    }

    private static async Task CloseTokenDialogAsync(IPage page)
    {
        ILocator dialog = page.Locator("#token-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator("#token-value")).ToHaveValueAsync(""); // the token does not stay in the page
    }
}
