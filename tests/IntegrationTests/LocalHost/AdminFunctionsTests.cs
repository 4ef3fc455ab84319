using System.Net;
using System.Net.Http.Json;
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
