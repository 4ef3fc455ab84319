using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.SecretScanning;

/// <summary>The report endpoint's answers for a document check: a host of its own, reading keys from a key server of its own.</summary>
internal static class SignedReports
{
    /// <summary>A signed report (200), an unsigned one (401) and an oversized one (413), each given to <paramref name="check"/>.</summary>
    public static async Task CheckAsync(StackFixture stack, Func<HttpResponseMessage, Task<JsonElement>> check)
    {
        using var key = new SigningKey();
        await using KeyServer keys = await KeyServer.StartAsync(key);
        await using var host = new LocalHostFactory(stack, new Dictionary<string, string?> { ["SecretScanning:KeysUrl"] = keys.Url });
        var reporter = new Reporter(host.CreateClient());

        await check(await reporter.ReportAsync(Reporter.Body(TokenKit.NewWellFormed(), "junk"), key));
        await check(await reporter.SendAsync(Reporter.Body("junk"), new Dictionary<string, string>()));
        await check(await reporter.ReportAsync(new byte[(1024 * 1024) + 1], key));
    }
}
