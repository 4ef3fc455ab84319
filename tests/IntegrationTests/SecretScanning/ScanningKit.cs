using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BlueTokens.IntegrationTests.SecretScanning;

/// <summary>A key secret scanning signs reports with: a P-256 key pair the test makes, and the identifier it is published under.</summary>
internal sealed class SigningKey(ECCurve curve) : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(curve);

    public SigningKey()
        : this(ECCurve.NamedCurves.nistP256)
    {
    }

    public string Identifier { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public string PublicPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>Base64 of the ASN.1 DER ECDSA SHA-256 signature over the bytes, as GitHub sends it.</summary>
    public string Sign(byte[] body) => Convert.ToBase64String(_key.SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => _key.Dispose();
}

/// <summary>
/// GitHub's public keys endpoint played on loopback (Kestrel on a free port): it serves <c>{ "public_keys": [...] }</c>
/// of the keys the test publishes, counts its requests, and can be made to fail or to answer late.
/// </summary>
internal sealed class KeyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile SigningKey[] _published = [];
    private int _requests;

    private KeyServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Requests the service has made so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Answer with this status instead of the keys (null: the keys).</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>How long each answer waits before it is sent.</summary>
    public TimeSpan Delay { get; set; }

    public static async Task<KeyServer> StartAsync(params SigningKey[] published)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = new KeyServer(builder.Build()) { _published = published };
        server._app.MapGet("/meta/public_keys/secret_scanning", server.AnswerAsync);
        await server._app.StartAsync();
        server.Url = server._app.Urls.Single() + "/meta/public_keys/secret_scanning";
        return server;
    }

    /// <summary>Publishes exactly these keys from now on (a rotation), the last one current.</summary>
    public void Publish(params SigningKey[] keys) => _published = keys;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (FailWith is { } status)
        {
            context.Response.StatusCode = (int)status;
            return;
        }

        SigningKey[] keys = _published;
        var document = new
        {
            public_keys = keys.Select((key, index) => new { key_identifier = key.Identifier, key = key.PublicPem, is_current = index == keys.Length - 1 }),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(document));
    }
}

/// <summary>Secret scanning sending reports to <c>POST /api/secret-scanning/report</c>, signed or not.</summary>
internal sealed class Reporter(HttpClient http)
{
    public const string Path = "/api/secret-scanning/report";

    /// <summary>A report body: one item per token, as GitHub writes them.</summary>
    public static byte[] Body(params string[] tokens) => JsonSerializer.SerializeToUtf8Bytes(tokens.Select(token => Item(token)).ToArray());

    public static Dictionary<string, string> Item(string token, string url = "https://github.com/octo/app/blob/9f2c/config/.env") =>
        new() { ["token"] = token, ["type"] = "blue_access_token", ["url"] = url, ["source"] = "content" };

    public Task<HttpResponseMessage> ReportAsync(byte[] body, SigningKey key) =>
        SendAsync(body, new Dictionary<string, string> { [IdentifierHeader] = key.Identifier, [SignatureHeader] = key.Sign(body) });

    public const string IdentifierHeader = "Github-Public-Key-Identifier";
    public const string SignatureHeader = "Github-Public-Key-Signature";

    /// <summary>Sends the body with exactly these headers; without a Content-Length where <paramref name="sized"/> is false.</summary>
    public Task<HttpResponseMessage> SendAsync(byte[] body, IReadOnlyDictionary<string, string> headers, string? contentType = "application/json", bool sized = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = sized ? new ByteArrayContent(body) : new UnsizedContent(body),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        foreach ((string name, string value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return http.SendAsync(request);
    }

    /// <summary>The answer's items: token_hash, token_type and label, in order; fails unless it is a 200 with an array.</summary>
    public static async Task<(string Hash, string Type, string Label)[]> AnswersAsync(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return [.. JsonDocument.Parse(text).RootElement.EnumerateArray().Select(item =>
        {
            Assert.Equal(["label", "token_hash", "token_type"], item.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
            return (item.GetProperty("token_hash").GetString()!, item.GetProperty("token_type").GetString()!, item.GetProperty("label").GetString()!);
        })];
    }

    /// <summary>What the answer must give for a reported string: lower-case hex SHA-256 of its UTF-8.</summary>
    public static string HashOf(string reported) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(reported)));

    /// <summary>A body sent without a length (chunked over a socket): the service learns its size only by reading.</summary>
    private sealed class UnsizedContent(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
