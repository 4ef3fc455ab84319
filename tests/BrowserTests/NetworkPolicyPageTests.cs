using System.Text;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace BlueTokens.BrowserTests;

/// <summary>
/// A client's network policy (<c>allowedNetworks</c>) on the Access Token Management page, in a real browser
/// against the real LocalHost: set on create, edited and cleared in the row's Networks editor, each step checked
/// in the page, in the API, and through <c>POST /api/validate</c> as a connector would call it. That call comes
/// from loopback (source 127.0.0.1), so 192.0.2.0/24 and 10.0.0.0/8 refuse it and 127.0.0.0/8 allows it.
/// </summary>
[Collection(StackTests.Name)]
public sealed class NetworkPolicyPageTests(StackFixture stack) : PageTestBase(stack, "net")
{
    /// <summary>Three networks without loopback, in the canonical form the API writes back (the IPv6 one typed in capitals, bare).</summary>
    private static readonly string[] Restricted = ["192.0.2.0/24", "198.51.100.0/24", "2001:db8:1234:5678:9abc:def0:1234:5678/128"];

    [Fact]
    public async Task Administrator_SetsEditsAndClearsTheNetworksOfAClient_AndValidateFollowsEachChange()
    {
        var shots = new Screenshots("network-policies");
        await using IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Desktop });
        context.SetDefaultTimeout(10_000);
        IPage page = await NewPageAsync(context);
        await page.GotoAsync(Host.SignInLink);
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await Expect(page.Locator("#create-networks-hint")).ToContainTextAsync("Leave empty to allow any source. Example: 10.0.0.0/8");

        // A bad network: the API's message on the field, naming the entry; nothing is created.
        ILocator networksField = page.GetByLabel("Allowed networks (optional)");
        await page.GetByLabel("Client Name").FillAsync("BI");
        await page.GetByLabel("Client Role").FillAsync("analyst");
        await networksField.FillAsync("10.0.0.0/8\n10.1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate Token", Exact = true }).ClickAsync();
        await Expect(page.Locator("#create-networks-error")).ToContainTextAsync("Entry 1 ('10.1') is not an IPv4 or IPv6 network in CIDR form");
        await Expect(networksField).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(networksField).ToBeFocusedAsync();
        await Expect(page.Locator("#alert")).ToContainTextAsync("Could not create BI:");
        await Expect(page.Locator("#create-name-error")).ToBeEmptyAsync();
        await shots.TakeAsync(page, "create-bad-network");
        Assert.Equal(0, await ClientCountAsync());

        // Networks one per line and comma-separated: created, shown in the canonical form the API wrote back.
        await networksField.FillAsync("10.1.2.3/8,\n2001:DB8:0:0:1::/32");
        await Expect(page.Locator("#create-networks-error")).ToBeEmptyAsync(); // typing clears the message
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate Token", Exact = true }).ClickAsync();
        ILocator tokenDialog = page.Locator("#token-dialog");
        await Expect(tokenDialog.GetByRole(AriaRole.Heading)).ToHaveTextAsync("New token for BI");
        string token = await tokenDialog.GetByLabel("Access token").InputValueAsync();
        await tokenDialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("accepted only from 10.0.0.0/8, 2001:db8::/32");
        ILocator row = page.Locator("#clients-body tr[data-client-name='BI']");
        ILocator networksCell = row.Locator("td[data-label='Networks']");
        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], await networksCell.Locator("code").AllTextContentsAsync());
        Assert.Equal("", await networksField.InputValueAsync());
        Assert.Equal("401 network_not_allowed", await ValidateAsync(token));
        await shots.TakeAsync(page, "created-with-networks");

        // The editor says what a change does, starts from the current networks, and Cancel changes nothing.
        ILocator networksButton = page.GetByRole(AriaRole.Button, new() { Name = "Networks of BI" });
        await networksButton.ClickAsync();
        ILocator editor = page.Locator("#networks-dialog");
        await Expect(editor.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Allowed networks of BI");
        await Expect(editor).ToContainTextAsync("applies to the next validate at once");
        await Expect(editor).ToContainTextAsync("network_not_allowed");
        ILocator editorField = editor.GetByLabel("Allowed networks", new() { Exact = true });
        await Expect(editorField).ToBeFocusedAsync();
        await Expect(editorField).ToHaveValueAsync("10.0.0.0/8\n2001:db8::/32");
        await editorField.FillAsync("");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(editor).ToBeHiddenAsync();
        await Expect(networksButton).ToBeFocusedAsync();
        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], await networksCell.Locator("code").AllTextContentsAsync());
        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], await NetworksOfAsync("BI"));

        // A bad entry: the API's message in the editor, which stays open; nothing is written.
        await networksButton.ClickAsync();
        await editorField.FillAsync("127.0.0.1/33");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save networks" }).ClickAsync();
        await Expect(editor.Locator("#networks-error")).ToContainTextAsync("Entry 0 ('127.0.0.1/33')");
        await Expect(editorField).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(editor).ToBeVisibleAsync();
        await shots.TakeAsync(page, "editor-bad-network");
        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], await NetworksOfAsync("BI"));

        // Loopback allowed: the row shows the canonical network, and the very next validate is valid.
        await editorField.FillAsync("127.0.0.5/8");
        await Expect(editor.Locator("#networks-error")).ToBeEmptyAsync();
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save networks" }).ClickAsync();
        await Expect(editor).ToBeHiddenAsync();
        await Expect(page.Locator("#notice")).ToContainTextAsync("Networks of BI saved");
        await Expect(networksCell).ToHaveTextAsync("127.0.0.0/8");
        await Expect(networksButton).ToBeFocusedAsync();
        Assert.Equal("200 valid", await ValidateAsync(token));

        // Three networks, none of them loopback: the row gives their count and the list on demand; refused at once.
        await networksButton.ClickAsync();
        await editorField.FillAsync("192.0.2.0/24\n198.51.100.0/24, 2001:DB8:1234:5678:9ABC:DEF0:1234:5678");
        await shots.TakeAsync(page, "editor");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save networks" }).ClickAsync();
        await Expect(editor).ToBeHiddenAsync();
        ILocator count = networksCell.Locator("summary");
        await Expect(count).ToHaveTextAsync("3 networks of BI");
        await Expect(networksCell.Locator("code").First).ToBeHiddenAsync();
        await count.ClickAsync();
        Assert.Equal([.. Restricted], await networksCell.Locator("code").AllTextContentsAsync());
        await Expect(networksCell.Locator("code").First).ToBeVisibleAsync();
        Assert.Equal("401 network_not_allowed", await ValidateAsync(token));
        await shots.TakeAsync(page, "restricted");

        // A long IPv6 network neither widens the page at the desktop size nor in a narrow window.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 1280 px");
        await page.SetViewportSizeAsync(390, 844);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways at 390 px");
        await shots.TakeAsync(page, "restricted-narrow");
        await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);

        // Cleared: any source again, in the row and at validate.
        await networksButton.ClickAsync();
        await editorField.FillAsync("");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save networks" }).ClickAsync();
        await Expect(editor).ToBeHiddenAsync();
        await Expect(networksCell).ToHaveTextAsync("Any source");
        await Expect(page.Locator("#notice")).ToContainTextAsync("accepted from any source");
        Assert.Empty(await NetworksOfAsync("BI"));
        Assert.Equal("200 valid", await ValidateAsync(token));
        await shots.TakeAsync(page, "any-source");

        // The audit trail tells the changes in the same words.
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit of BI" }).ClickAsync();
        ILocator latest = page.Locator("#audit-list > li").First;
        await Expect(latest).ToHaveAttributeAsync("data-action", "client.updated");
        await Expect(latest).ToContainTextAsync($"allowedNetworks: {string.Join(", ", Restricted)} → any source");
        await Expect(page.Locator("#audit-list > li").Last).ToContainTextAsync("networks 10.0.0.0/8, 2001:db8::/32");
        await shots.TakeAsync(page, "audit");

        Assert.Empty(PageErrors);
    }

    [Fact]
    public async Task ANetworksChangeMadeElsewhereWhileTheEditorIsOpen_IsNotOverwrittenUnseen()
    {
        // The list shows BI with 10.0.0.0/8; another administrator then sets 192.0.2.0/24 through the API. The
        // editor starts from what the API has now, not from the stale row.
        await using IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = Desktop });
        context.SetDefaultTimeout(10_000);
        IPage page = await NewPageAsync(context);
        await page.GotoAsync(Host.SignInLink);
        await Expect(page.Locator("#clients-state")).ToContainTextAsync("No clients yet");
        await page.GetByLabel("Client Name").FillAsync("BI");
        await page.GetByLabel("Client Role").FillAsync("analyst");
        await page.GetByLabel("Allowed networks (optional)").FillAsync("10.0.0.0/8");
        await page.GetByRole(AriaRole.Button, new() { Name = "Generate Token", Exact = true }).ClickAsync();
        await page.Locator("#token-dialog").GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        ILocator networksCell = page.Locator("#clients-body tr[data-client-name='BI'] td[data-label='Networks']");
        await Expect(networksCell).ToHaveTextAsync("10.0.0.0/8");
        string id = (await ClientsAsync()).Single().GetProperty("id").GetString()!;

        await PatchNetworksAsync(id, "192.0.2.0/24");
        ILocator networksButton = page.GetByRole(AriaRole.Button, new() { Name = "Networks of BI" });
        await networksButton.ClickAsync();
        ILocator editor = page.Locator("#networks-dialog");
        ILocator editorField = editor.GetByLabel("Allowed networks", new() { Exact = true });
        await Expect(editorField).ToHaveValueAsync("192.0.2.0/24");

        // While the editor is open, the other administrator changes the networks again: the save is refused, says
        // what they are now, and writes nothing.
        await editorField.FillAsync("127.0.0.0/8");
        await PatchNetworksAsync(id, "198.51.100.0/24");
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save networks" }).ClickAsync();
        await Expect(editor.Locator("#networks-error")).ToContainTextAsync(
            "BI was changed elsewhere while this was open; its networks are now: 198.51.100.0/24. Save again to replace them");
        await Expect(editor).ToBeVisibleAsync();
        await Expect(editorField).ToHaveValueAsync("127.0.0.0/8");
        Assert.Equal(["198.51.100.0/24"], await NetworksOfAsync("BI"));

        // Saving again, having seen it, replaces them.
        await editor.GetByRole(AriaRole.Button, new() { Name = "Save networks" }).ClickAsync();
        await Expect(editor).ToBeHiddenAsync();
        await Expect(networksCell).ToHaveTextAsync("127.0.0.0/8");
        Assert.Equal(["127.0.0.0/8"], await NetworksOfAsync("BI"));
        Assert.Empty(PageErrors);
    }

    private async Task PatchNetworksAsync(string id, string network)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/clients/{id}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { allowedNetworks = new[] { network } }), Encoding.UTF8, "application/json"),
        };
        using HttpResponseMessage response = await Admin.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The tenant's clients as the API lists them, read with the development admin JWT.</summary>
    private async Task<JsonElement[]> ClientsAsync()
    {
        using HttpResponseMessage response = await Admin.GetAsync("/api/clients");
        response.EnsureSuccessStatusCode();
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. body.RootElement.GetProperty("items").EnumerateArray().Select(item => item.Clone())];
    }

    private async Task<int> ClientCountAsync() => (await ClientsAsync()).Length;

    private async Task<string[]> NetworksOfAsync(string name) =>
        [.. (await ClientsAsync()).Single(c => c.GetProperty("name").GetString() == name)
            .GetProperty("allowedNetworks").EnumerateArray().Select(n => n.GetString() ?? "")];
}
