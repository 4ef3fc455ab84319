using System.Net;
using System.Text;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.LocalHost;

/// <summary>
/// LocalHost answers only requests addressed to this machine's own names, whatever the port: a page the developer
/// visits that points a name of its own at 127.0.0.1 (DNS rebinding) is refused before any endpoint runs, so it can
/// neither read answers nor run functions. Over a real socket, where the Host header is what the client sent.
/// </summary>
[Collection(StackTests.Name)]
public sealed class HostNameTests(StackFixture stack)
{
    [Fact]
    public async Task LocalHost_AnswersItsOwnNames_AndRefusesAnyOther()
    {
        await using var host = new LocalHostFactory(stack, extraFunctionAssemblies: typeof(ProbeTimer).Assembly);
        host.UseKestrel(0);
        host.StartServer();
        using HttpClient http = host.CreateClient();
        int port = http.BaseAddress!.Port;
        int before = ProbeTimer.Runs.Count;

        foreach (string name in new[] { $"127.0.0.1:{port}", $"localhost:{port}", "localhost", "LOCALHOST:1234", "127.0.0.1" })
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, "/api/health", name));
        }

        foreach (string name in new[] { $"attacker.example:{port}", "attacker.example", $"127.0.0.1.nip.io:{port}", $"localhost.attacker.example:{port}", "10.0.0.1" })
        {
            Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(http, HttpMethod.Get, "/api/health", name));
            Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(http, HttpMethod.Get, "/api/ui/", name));
            Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(http, HttpMethod.Post, "/admin/functions/ProbeTimer", name));
        }

        await Task.Delay(200); // a run would have been started at once
        Assert.Equal(before, ProbeTimer.Runs.Count);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, HttpMethod method, string path, string hostName)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Host = hostName;
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"input":""}""", Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
