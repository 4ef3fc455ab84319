using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BlueTokens.IntegrationTests.Expiry;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.SecretScanning;

/// <summary>
/// API.md, "Secret scanning": a report is taken only under a signature, over its raw body, by a key of
/// <c>SecretScanning__KeysUrl</c>; anything else is 401 <c>invalid_signature</c> and nothing of it is read (a
/// report that would revoke a token leaves the token valid). The keys are cached, fetched again once for an unknown
/// identifier (one fetch for any number of reports at once, and none sooner than the refetch interval), and a keys
/// URL that is down, failing or slow refuses the report. Each test has its own key server and host, on a clock it moves.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ReportSignatureTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly TimeSpan RefetchInterval = TimeSpan.FromSeconds(10);

    private readonly SigningKey _key = new();
    private KeyServer _keys = null!;
    private ExpiryTestHost? _host;

    public async Task InitializeAsync() => _keys = await KeyServer.StartAsync(_key);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _keys.DisposeAsync();
        _key.Dispose();
    }

    public static TheoryData<string> BadSignatures() =>
    [
        "no headers", "no identifier", "no signature", "empty signature", "signature not base64", "signature not DER",
        "signature of another body", "tampered body", "another key under the identifier", "unsigned malformed JSON",
    ];

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task Report_IsRefusedAsInvalidSignature_AndChangesNothing_WhenItsSignatureDoesNotHold(string bad)
    {
        ExpiryTestHost host = StartHost();
        (AdminApi admin, AdminApi.Created client) = await ClientAsync(host);
        byte[] body = Reporter.Body(client.Token);
        using var stranger = new SigningKey();
        var headers = new Dictionary<string, string> { [Reporter.IdentifierHeader] = _key.Identifier, [Reporter.SignatureHeader] = _key.Sign(body) };
        switch (bad)
        {
            case "no headers":
                headers.Clear();
                break;
            case "no identifier":
                headers.Remove(Reporter.IdentifierHeader);
                break;
            case "no signature":
                headers.Remove(Reporter.SignatureHeader);
                break;
            case "empty signature":
                headers[Reporter.SignatureHeader] = "";
                break;
            case "signature not base64":
                headers[Reporter.SignatureHeader] = "not base64!";
                break;
            case "signature not DER":
                headers[Reporter.SignatureHeader] = Convert.ToBase64String(Encoding.ASCII.GetBytes("thirty-two bytes of no signature"));
                break;
            case "signature of another body":
                headers[Reporter.SignatureHeader] = _key.Sign(Reporter.Body(TokenKit.NewWellFormed()));
                break;
            case "tampered body":
                body = Reporter.Body(client.Token).Concat(" "u8.ToArray()).ToArray(); // one byte more than was signed
                break;
            case "another key under the identifier":
                headers[Reporter.SignatureHeader] = stranger.Sign(body);
                break;
            default:
                body = Encoding.UTF8.GetBytes("""[{"token":""" + client.Token);
                headers[Reporter.SignatureHeader] = stranger.Sign(body);
                break;
        }

        using HttpResponseMessage response = await new Reporter(host.Factory.CreateClient()).SendAsync(body, headers);

        await response.AssertProblemAsync(401, "invalid_signature");
        TokenKit.AssertNoTokenIn(await response.Content.ReadAsStringAsync(), client.Token);
        await AssertUntouchedAsync(host, admin, client);
    }

    [Fact]
    public async Task Keys_AreReadOnce_AndAgainOnlyWhenTheirCacheLifetimeHasPassed()
    {
        ExpiryTestHost host = StartHost();
        var reporter = new Reporter(host.Factory.CreateClient());

        for (int i = 0; i < 3; i++)
        {
            (await reporter.ReportAsync(Reporter.Body(TokenKit.NewWellFormed()), _key)).EnsureSuccessStatusCode();
        }

        Assert.Equal(1, _keys.Requests);
        host.Clock.Advance(TimeSpan.FromMinutes(61));
        (await reporter.ReportAsync(Reporter.Body(TokenKit.NewWellFormed()), _key)).EnsureSuccessStatusCode();
        Assert.Equal(2, _keys.Requests);
    }

    [Fact]
    public async Task Report_SignedWithARotatedKey_IsTaken_AfterOneFetchForItsNewIdentifier()
    {
        ExpiryTestHost host = StartHost();
        (AdminApi admin, AdminApi.Created client) = await ClientAsync(host);
        var reporter = new Reporter(host.Factory.CreateClient());
        (await reporter.ReportAsync(Reporter.Body(TokenKit.NewWellFormed()), _key)).EnsureSuccessStatusCode();
        Assert.Equal(1, _keys.Requests);

        using var rotated = new SigningKey();
        _keys.Publish(_key, rotated);
        host.Clock.Advance(RefetchInterval);
        using HttpResponseMessage taken = await reporter.ReportAsync(Reporter.Body(client.Token), rotated);

        Assert.Equal("true_positive", (await Reporter.AnswersAsync(taken)).Single().Label);
        Assert.Equal(2, _keys.Requests);
        (await reporter.ReportAsync(Reporter.Body(TokenKit.NewWellFormed()), rotated)).EnsureSuccessStatusCode();
        Assert.Equal(2, _keys.Requests); // now known: no fetch
        Assert.Equal("disabled", await ExpiryTestHost.StatusAsync(admin, client.Id));
    }

    [Fact]
    public async Task Report_WithAnUnknownKeyIdentifier_IsRefused_AfterOneSharedFetch_AndNoFetchSoonerThanTheInterval()
    {
        ExpiryTestHost host = StartHost();
        (AdminApi admin, AdminApi.Created client) = await ClientAsync(host);
        var reporter = new Reporter(host.Factory.CreateClient());
        (await reporter.ReportAsync(Reporter.Body(TokenKit.NewWellFormed()), _key)).EnsureSuccessStatusCode();
        host.Clock.Advance(RefetchInterval);

        // Many reports at once, each under a made-up identifier: one fetch between them.
        SigningKey[] strangers = [.. Enumerable.Range(0, 8).Select(_ => new SigningKey())];
        HttpResponseMessage[] refused = await Task.WhenAll(strangers.Select(stranger => reporter.ReportAsync(Reporter.Body(client.Token), stranger)));
        foreach (HttpResponseMessage response in refused)
        {
            await response.AssertProblemAsync(401, "invalid_signature");
        }

        Assert.Equal(2, _keys.Requests);

        // Within the interval, more made-up identifiers cost no fetch at all; after it, one more.
        host.Clock.Advance(RefetchInterval / 2);
        await (await reporter.ReportAsync(Reporter.Body(client.Token), strangers[0])).AssertProblemAsync(401, "invalid_signature");
        Assert.Equal(2, _keys.Requests);
        host.Clock.Advance(RefetchInterval / 2);
        await (await reporter.ReportAsync(Reporter.Body(client.Token), strangers[1])).AssertProblemAsync(401, "invalid_signature");
        Assert.Equal(3, _keys.Requests);

        await AssertUntouchedAsync(host, admin, client);
        foreach (SigningKey stranger in strangers)
        {
            stranger.Dispose();
        }
    }

    [Theory]
    [InlineData("down")]
    [InlineData("failing")]
    [InlineData("slow")]
    [InlineData("no P-256 key")]
    public async Task Report_IsRefusedAsInvalidSignature_AndChangesNothing_WhenTheKeysCannotBeRead(string keysUrl)
    {
        ExpiryTestHost host = StartHost(keysUrl == "down" ? $"http://127.0.0.1:{ClosedPort()}/keys" : null);
        (AdminApi admin, AdminApi.Created client) = await ClientAsync(host);
        var reporter = new Reporter(host.Factory.CreateClient());
        switch (keysUrl)
        {
            case "failing":
                _keys.FailWith = HttpStatusCode.InternalServerError;
                break;
            case "slow":
                _keys.Delay = TimeSpan.FromMinutes(1);
                break;
        }

        // A document whose only key is on another curve has no key a report can be checked with.
        using var p384 = new SigningKey(ECCurve.NamedCurves.nistP384);
        if (keysUrl == "no P-256 key")
        {
            _keys.Publish(p384);
        }

        Task<HttpResponseMessage> sent = reporter.ReportAsync(Reporter.Body(client.Token), keysUrl == "no P-256 key" ? p384 : _key);
        if (keysUrl == "slow")
        {
            // The fetch has begun; its timeout (5 s by the host's clock) passes.
            await Poll.UntilAsync("the keys fetch has begun", () => Task.FromResult(_keys.Requests == 1), TimeSpan.FromSeconds(10));
            host.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        using HttpResponseMessage response = await sent.WaitAsync(TimeSpan.FromSeconds(20));

        await response.AssertProblemAsync(401, "invalid_signature");
        await AssertUntouchedAsync(host, admin, client);
    }

    [Fact]
    public async Task Report_Is404_WhereNoKeysUrlIsSet()
    {
        await using var host = new LocalHostFactory(stack);
        byte[] body = Reporter.Body(TokenKit.NewWellFormed());

        using HttpResponseMessage response = await new Reporter(host.CreateClient()).ReportAsync(body, _key);

        await response.AssertProblemAsync(404, "not_found");
        Assert.Equal(0, _keys.Requests);
    }

    private ExpiryTestHost StartHost(string? keysUrl = null) =>
        _host = ExpiryTestHost.Start(stack, new Dictionary<string, string?>
        {
            ["SecretScanning:KeysUrl"] = keysUrl ?? _keys.Url,
            ["SecretScanning:KeysRefetchInterval"] = RefetchInterval.ToString(),
        });

    /// <summary>A client whose token is valid, answered so once (so that a revocation would have something to change).</summary>
    private static async Task<(AdminApi Admin, AdminApi.Created Client)> ClientAsync(ExpiryTestHost host)
    {
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        Assert.Equal("valid", (await host.NewConnector().ValidateAsync(client.Token)).Outcome);
        return (admin, client);
    }

    private static async Task AssertUntouchedAsync(ExpiryTestHost host, AdminApi admin, AdminApi.Created client)
    {
        Assert.Equal("valid", (await host.NewConnector().ValidateAsync(client.Token)).Outcome);
        Assert.Equal(client.ETag, (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{client.Id}")).Headers.ETag!.ToString());
        Assert.Equal(["client.created"], (await ExpiryTestHost.AuditAsync(admin, client.Id)).Actions());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
