using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlueTokens.Core.SecretScanning;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BlueTokens.UnitTests.SecretScanning;

/// <summary>
/// The secret scanning key cache: one fetch for any number of callers at once, kept for its lifetime; an unknown
/// identifier fetched again once and not sooner than the refetch interval; a fetch that fails or times out keeps
/// the last keys read; and ECDSA P-256 DER signatures checked against them.
/// </summary>
public sealed class SecretScanningKeysTests : IDisposable
{
    private static readonly SecretScanningOptions Options = new() { KeysUrl = "https://keys.example.test/secret_scanning" };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
    private readonly ECDsa _first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly KeysHandler _handler = new();

    public SecretScanningKeysTests() => _handler.Publish(("first", _first));

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public async Task FindAsync_FetchesOnce_ForManyCallersAtOnce()
    {
        SecretScanningKeys keys = NewKeys();
        _handler.Hold();

        Task<byte[]?>[] finding = [.. Enumerable.Range(0, 20).Select(_ => keys.FindAsync("first"))];
        await _handler.ReachedAsync();
        _handler.Release();
        byte[]?[] found = await Task.WhenAll(finding);

        Assert.All(found, key => Assert.Equal(_first.ExportSubjectPublicKeyInfo(), key));
        Assert.Equal(1, _handler.Requests);
    }

    [Fact]
    public async Task FindAsync_KeepsTheKeysForTheirLifetime_ThenFetchesAgain()
    {
        SecretScanningKeys keys = NewKeys();
        await keys.FindAsync("first");

        _clock.Advance(Options.KeysCacheLifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(await keys.FindAsync("first"));
        Assert.Equal(1, _handler.Requests);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(await keys.FindAsync("first"));
        Assert.Equal(2, _handler.Requests);
    }

    [Fact]
    public async Task FindAsync_FetchesAgainOnce_ForAnUnknownIdentifier_AndNotSoonerThanTheInterval()
    {
        SecretScanningKeys keys = NewKeys();
        await keys.FindAsync("first");
        _clock.Advance(Options.KeysRefetchInterval);

        Assert.Null(await keys.FindAsync("made-up"));
        Assert.Equal(2, _handler.Requests);

        // Another made-up identifier at once: no fetch (else random identifiers would make us hammer the URL).
        _handler.Publish(("first", _first), ("second", _second));
        Assert.Null(await keys.FindAsync("second"));
        Assert.Equal(2, _handler.Requests);

        // Once the interval has passed, the rotation's new identifier is found with one more fetch.
        _clock.Advance(Options.KeysRefetchInterval);
        Assert.Equal(_second.ExportSubjectPublicKeyInfo(), await keys.FindAsync("second"));
        Assert.Equal(3, _handler.Requests);
    }

    [Fact]
    public async Task FindAsync_KeepsTheLastKeysRead_WhenAFetchFails()
    {
        SecretScanningKeys keys = NewKeys();
        await keys.FindAsync("first");
        _clock.Advance(Options.KeysCacheLifetime);
        _handler.FailWith = HttpStatusCode.BadGateway;

        Assert.Equal(_first.ExportSubjectPublicKeyInfo(), await keys.FindAsync("first"));
        Assert.Equal(2, _handler.Requests);
    }

    [Fact]
    public async Task FindAsync_FindsNothing_WhenTheFirstFetchTimesOut()
    {
        SecretScanningKeys keys = NewKeys();
        _handler.Hold();

        Task<byte[]?> finding = keys.FindAsync("first");
        await _handler.ReachedAsync();
        _clock.Advance(Options.KeysFetchTimeout);

        Assert.Null(await finding.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"public_keys":[{"key_identifier":"first","key":"not a pem","is_current":true}]}""")]
    [InlineData("""{"public_keys":[]}""")]
    [InlineData("""{"public_keys":"first"}""")]
    public async Task FindAsync_FindsNothing_InADocumentWithoutAUsableKey(string document)
    {
        _handler.Document = document;

        Assert.Null(await NewKeys().FindAsync("first"));
    }

    [Fact]
    public async Task FindAsync_SkipsAKeyOnAnotherCurve()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        _handler.Publish(("first", _first), ("p384", p384));
        SecretScanningKeys keys = NewKeys();

        Assert.NotNull(await keys.FindAsync("first"));
        Assert.Null(await keys.FindAsync("p384"));
    }

    [Fact]
    public async Task VerifyAsync_TakesOnlyASignatureOfTheBodyByTheNamedKey()
    {
        SecretScanningKeys keys = NewKeys();
        byte[] body = Encoding.UTF8.GetBytes("""[{"token":"x","type":"t","url":"u","source":"content"}]""");
        byte[] signature = _first.SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        Assert.Equal(SignatureVerdict.Valid, await keys.VerifyAsync("first", body, signature));
        Assert.Equal(SignatureVerdict.BadSignature, await keys.VerifyAsync("first", body.Append((byte)' ').ToArray(), signature));
        Assert.Equal(SignatureVerdict.BadSignature, await keys.VerifyAsync("first", body, _second.SignData(body, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
        Assert.Equal(SignatureVerdict.BadSignature, await keys.VerifyAsync("first", body, _first.SignData(body, HashAlgorithmName.SHA256))); // IEEE P1363, not DER
        Assert.Equal(SignatureVerdict.BadSignature, await keys.VerifyAsync("first", body, [1, 2, 3]));
        Assert.Equal(SignatureVerdict.UnknownKey, await keys.VerifyAsync("second", body, signature));
    }

    private SecretScanningKeys NewKeys() =>
        new(SecretScanningKeys.NewHttpClient(_handler), Microsoft.Extensions.Options.Options.Create(Options), _clock, NullLogger<SecretScanningKeys>.Instance);

    /// <summary>The keys URL: serves the document, counts requests, and can hold its answer or fail.</summary>
    private sealed class KeysHandler : HttpMessageHandler
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _held;
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public string Document { get; set; } = "";

        public HttpStatusCode? FailWith { get; set; }

        public void Publish(params (string Identifier, ECDsa Key)[] keys) =>
            Document = JsonSerializer.Serialize(new
            {
                public_keys = keys.Select(k => new { key_identifier = k.Identifier, key = k.Key.ExportSubjectPublicKeyInfoPem(), is_current = true }),
            });

        public void Hold() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _held!.SetResult();

        public Task ReachedAsync() => _reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            Assert.Equal(Options.KeysUrl, request.RequestUri!.ToString());
            Assert.NotEmpty(request.Headers.UserAgent);
            _reached.TrySetResult();
            if (_held is { } held)
            {
                await held.Task.WaitAsync(cancellationToken);
            }

            return FailWith is { } status
                ? new HttpResponseMessage(status)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Document, Encoding.UTF8, "application/json") };
        }
    }
}
