using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.LocalHost;

[Collection(StackTests.Name)]
public sealed class AdminFunctionsTests(StackFixture stack)
{
    private static readonly Dictionary<string, string?> ProbeSchedule = new() { ["Probe:Schedule"] = "0 0 0 1 1 *" };

    [Fact]
    public async Task AdminFunctions_Returns202AndRunsTheTimerFunction()
    {
        await using var host = new LocalHostFactory(stack, ProbeSchedule, typeof(ProbeTimer).Assembly);
        using HttpClient client = host.CreateClient();
        int before = ProbeTimer.Runs.Count;

        using HttpResponseMessage response = await client.PostAsJsonAsync("/admin/functions/ProbeTimer", new { input = "" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ProbeTimer.Runs.Count == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(ProbeTimer.Runs.Count > before, "the timer function did not run");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task AdminFunctions_Returns415AndRunsNothing_ForABodyThatIsNotJson(string? contentType)
    {
        // The three types a page of any origin may POST without asking first (no-cors), and no type at all.
        await using var host = new LocalHostFactory(stack, ProbeSchedule, typeof(ProbeTimer).Assembly);
        using HttpClient client = host.CreateClient();
        int before = ProbeTimer.Runs.Count;
        using var content = new StringContent("""{"input":""}""");
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        using HttpResponseMessage response = await client.PostAsync("/admin/functions/ProbeTimer", content);

        await response.AssertProblemAsync(415, "unsupported_media_type");
        await Task.Delay(200); // a run would have been started at once
        Assert.Equal(before, ProbeTimer.Runs.Count);
    }

    [Fact]
    public async Task AdminFunctions_TakesJsonWithACharset()
    {
        await using var host = new LocalHostFactory(stack, ProbeSchedule, typeof(ProbeTimer).Assembly);
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.PostAsync(
            "/admin/functions/ProbeTimer", new StringContent("""{"input":""}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Theory]
    [InlineData("NoSuchFunction")]
    [InlineData("GetHealth")] // an HTTP function is not run through the admin endpoint
    public async Task AdminFunctions_Returns404ForAnythingButANonHttpFunction(string name)
    {
        await using var host = new LocalHostFactory(stack, ProbeSchedule, typeof(ProbeTimer).Assembly);
        using HttpClient client = host.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync($"/admin/functions/{name}", new { input = "" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
