using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BlueTokens.BrowserTests;

/// <summary>
/// A page served from its own loopback port, so from an origin other than the API's, as the BLUE interface is: its
/// script lists clients, creates one, and lists again with the admin's bearer token (all given in the fragment),
/// then writes what each call gave into <c>#result</c> as JSON, a call the browser refused as <c>"refused"</c>.
/// </summary>
internal sealed class OtherOriginPage : IAsyncDisposable
{
    private const string Html = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>BLUE interface</title></head>
        <body>
        <pre id="result">running</pre>
        <script>
        (async () => {
          const given = new URLSearchParams(location.hash.slice(1));
          const api = given.get('api');
          const auth = { Authorization: 'Bearer ' + given.get('token') };
          // A fetch the browser refuses (CORS) rejects with a TypeError and shows the page nothing of the answer.
          const call = async (path, init, read) => {
            try {
              const response = await fetch(api + path, init);
              return { status: response.status, ...(await read(response)) };
            } catch (error) {
              return 'refused';
            }
          };
          const names = async response => ({ names: (await response.json()).items.map(client => client.name) });
          const result = {};
          result.before = await call('/clients', { headers: auth }, names);
          result.create = await call('/clients', {
            method: 'POST',
            headers: { ...auth, 'Content-Type': 'application/json' },
            body: JSON.stringify({ name: given.get('name'), role: 'analyst' }),
          }, async response => ({ etag: response.headers.get('ETag'), location: response.headers.get('Location') }));
          result.after = await call('/clients', { headers: auth }, names);
          document.getElementById('result').textContent = JSON.stringify(result);
        })();
        </script>
        </body>
        </html>
        """;

    private readonly WebApplication _app;

    private OtherOriginPage(WebApplication app, int port)
    {
        _app = app;
        Origin = $"http://127.0.0.1:{port}";
    }

    /// <summary><c>http://127.0.0.1:{port}</c>: what the browser sends as <c>Origin</c> from this page.</summary>
    public string Origin { get; }

    public static async Task<OtherOriginPage> StartAsync()
    {
        int port = ServerProcess.FreePort();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.MapGet("/", () => Results.Content(Html, "text/html; charset=utf-8"));
        await app.StartAsync();
        return new OtherOriginPage(app, port);
    }

    /// <summary>The page's address, with what its script needs in the fragment (which never reaches a server).</summary>
    public string Url(string api, string bearer, string name) =>
        $"{Origin}/#api={Uri.EscapeDataString(api)}&token={Uri.EscapeDataString(bearer)}&name={Uri.EscapeDataString(name)}";

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
