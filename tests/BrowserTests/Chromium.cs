using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace BlueTokens.BrowserTests;

/// <summary>
/// Debian's chromium (<c>apt-get install chromium</c>; <c>./test.sh</c> installs it), driven by Playwright's own
/// driver. Never a browser that Playwright downloads: these machines cannot fetch one, and the distribution's
/// is the one that gets security updates. <c>BLUE_CHROMIUM</c> names another binary.
/// </summary>
internal static class Chromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>The binary; a missing one fails the test (never skips it) with what to do.</summary>
    public static string ExecutablePath()
    {
        string path = Environment.GetEnvironmentVariable("BLUE_CHROMIUM") is { Length: > 0 } given ? given : DefaultPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Chromium is missing at {path}: the browser tests drive Debian's chromium. Run ./test.sh, which installs it "
                + "as root, or install it yourself: sudo apt-get install chromium.");
        }

        return path;
    }

    public static BrowserTypeLaunchOptions LaunchOptions(string executablePath) => new()
    {
        ExecutablePath = executablePath,
        Headless = true,
        // As root (CI) chromium's sandbox cannot start; nothing here is untrusted content. The rest keeps the
        // browser from calling home or updating itself in the middle of a test.
        Args =
        [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run",
        ],
    };

    /// <summary>A tab whose script errors and console errors are added to <paramref name="errors"/>, which a test then expects empty.</summary>
    public static async Task<IPage> NewWatchedPageAsync(IBrowserContext context, ConcurrentQueue<string> errors)
    {
        IPage page = await context.NewPageAsync();
        page.PageError += (_, error) => errors.Enqueue(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Enqueue($"{message.Text} ({message.Location})");
            }
        };
        return page;
    }
}
