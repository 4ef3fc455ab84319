using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace BlueTokens.BrowserTests;

/// <summary>
/// A PNG of each step, numbered in order, in <c>tests/BrowserTests/TestResults/screenshots</c> (or
/// <c>BLUE_SCREENSHOTS</c>): the test's artifacts. The README's <c>docs/screenshot.png</c> is one of them, copied
/// when it is missing or when <c>BLUE_UPDATE_SCREENSHOT=1</c>, so that a test run does not change a tracked file.
/// </summary>
internal sealed class Screenshots
{
    private int _count;

    /// <param name="workflow">A folder of its own for each workflow, so that tests running side by side keep their files.</param>
    public Screenshots(string workflow = "")
    {
        Directory = Path.Combine(
            Environment.GetEnvironmentVariable("BLUE_SCREENSHOTS") is { Length: > 0 } given
                ? given
                : Path.Combine(RepositoryPaths.Root, "tests", "BrowserTests", "TestResults", "screenshots"),
            workflow);
        System.IO.Directory.CreateDirectory(Directory);
        foreach (string old in System.IO.Directory.EnumerateFiles(Directory, "*.png"))
        {
            File.Delete(old);
        }
    }

    public string Directory { get; }

    public async Task<string> TakeAsync(IPage page, string step)
    {
        string path = Path.Combine(Directory, $"{++_count:00}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public static void PublishToReadme(string path)
    {
        string target = Path.Combine(RepositoryPaths.Root, "docs", "screenshot.png");
        if (!File.Exists(target) || Environment.GetEnvironmentVariable("BLUE_UPDATE_SCREENSHOT") == "1")
        {
            File.Copy(path, target, overwrite: true);
        }
    }
}
