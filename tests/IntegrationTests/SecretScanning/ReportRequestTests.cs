using System.Text;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using BlueTokens.IntegrationTests.OpenApi;

namespace BlueTokens.IntegrationTests.SecretScanning;

/// <summary>
/// API.md, "Secret scanning" and "Bad input": a report of at most 1,000 items and 1 MiB is taken (other fields of
/// an item are ignored); past either limit, or signed but malformed, it is a 4xx problem that changes nothing, the
/// token in it still valid. Every answer matches docs/openapi.json.
/// </summary>
[Collection(StackTests.Name)]
public sealed class ReportRequestTests(StackFixture stack) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    private readonly SigningKey _key = new();
    private readonly OpenApiDocument _doc = OpenApiDocument.Load();
    private KeyServer _keys = null!;
    private LocalHostFactory _host = null!;

    public async Task InitializeAsync()
    {
        _keys = await KeyServer.StartAsync(_key);
        _host = new LocalHostFactory(stack, new Dictionary<string, string?> { ["SecretScanning:KeysUrl"] = _keys.Url });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _keys.DisposeAsync();
        _key.Dispose();
    }

    private Reporter Reporter => new(_host.CreateClient());

    [Fact]
    public async Task Report_OfAThousandItems_IsAnswered_ItemByItem()
    {
        (AdminApi admin, AdminApi.Created client) = await ClientAsync();
        string[] reported = [.. Enumerable.Range(0, 999).Select(_ => TokenKit.NewWellFormed()), client.Token];

        using HttpResponseMessage response = await Reporter.ReportAsync(Reporter.Body(reported), _key);

        await _doc.CheckAsync(response);
        (string Hash, string Type, string Label)[] answers = await Reporter.AnswersAsync(response);
        Assert.Equal(reported.Select(Reporter.HashOf), answers.Select(answer => answer.Hash));
        Assert.Equal([.. Enumerable.Repeat("false_positive", 999), "true_positive"], answers.Select(answer => answer.Label).ToArray());
        Assert.Equal("invalid_token", (await new Connector(_host.CreateClient()).ValidateAsync(client.Token)).Outcome);
        Assert.Equal("disabled", (await admin.GetJsonAsync($"/api/clients/{client.Id}")).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Report_OfMoreThanAThousandItems_Is413_SayingSo_AndChangesNothing()
    {
        (AdminApi admin, AdminApi.Created client) = await ClientAsync();
        string[] reported = [client.Token, .. Enumerable.Range(0, 1000).Select(_ => TokenKit.NewWellFormed())];

        using HttpResponseMessage response = await Reporter.ReportAsync(Reporter.Body(reported), _key);

        await _doc.CheckAsync(response);
        JsonElement problem = await response.AssertProblemAsync(413, "payload_too_large");
        Assert.Contains("1,000", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);
        await AssertUntouchedAsync(admin, client);
    }

    [Fact]
    public async Task Report_OfExactlyOneMebibyte_IsTaken_WithFieldsItDoesNotKnowIgnored()
    {
        (_, AdminApi.Created client) = await ClientAsync();
        byte[] body = Padded(client.Token, MiB);

        using HttpResponseMessage response = await Reporter.ReportAsync(body, _key);

        Assert.Equal("true_positive", (await Reporter.AnswersAsync(response)).Single().Label);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Report_OverOneMebibyte_Is413_AndChangesNothing_WithOrWithoutAContentLength(bool sized)
    {
        (AdminApi admin, AdminApi.Created client) = await ClientAsync();
        byte[] body = Padded(client.Token, MiB + 1);
        var headers = new Dictionary<string, string> { [Reporter.IdentifierHeader] = _key.Identifier, [Reporter.SignatureHeader] = _key.Sign(body) };

        using HttpResponseMessage response = await Reporter.SendAsync(body, headers, sized: sized);

        await _doc.CheckAsync(response);
        await response.AssertProblemAsync(413, "payload_too_large");
        await AssertUntouchedAsync(admin, client);
    }

    public static TheoryData<string, string, int, string, string?> BadBodies() => new()
    {
        // label, body ({token} stands for a real token), status, code, the field errors must name
        { "malformed", """[{"token":"{token}" """, 400, "malformed_json", "body" },
        { "empty", "", 400, "malformed_json", "body" },
        { "100 levels deep", new string('[', 100) + new string(']', 100), 400, "malformed_json", "body" },
        { "duplicate property", """[{"token":"{token}","token":"x"}]""", 400, "malformed_json", "body" },
        { "an object, not an array", """{"token":"{token}"}""", 400, "validation_failed", "body" },
        { "an item not an object", """[{"token":"{token}"},"{token}"]""", 400, "validation_failed", "[1]" },
        { "a token not a string", """[{"token":"{token}"},{"token":5}]""", 400, "validation_failed", "[1].token" },
        { "no token", """[{"token":"{token}"},{"type":"blue_access_token"}]""", 400, "validation_failed", "[1].token" },
        { "an empty token", """[{"token":"{token}"},{"token":""}]""", 400, "validation_failed", "[1].token" },
        { "a url not a string", """[{"token":"{token}","url":["x"]}]""", 400, "validation_failed", "[0].url" },
        { "a url over 4096 characters", """[{"token":"{token}","url":"https://github.com/""" + new string('a', 4096) + "\"}]", 400, "validation_failed", "[0].url" },
        { "a source over 256 characters", """[{"token":"{token}","source":""" + "\"" + new string('a', 257) + "\"}]", 400, "validation_failed", "[0].source" },
        { "an unpaired surrogate", """[{"token":"{token}","type":"\ud800"}]""", 400, "validation_failed", "[0].type" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task SignedReport_ThatIsNotAListOfItems_IsA4xxProblem_AndChangesNothing(string label, string template, int status, string code, string? field)
    {
        (AdminApi admin, AdminApi.Created client) = await ClientAsync();
        byte[] body = Encoding.UTF8.GetBytes(template.Replace("{token}", client.Token, StringComparison.Ordinal));

        using HttpResponseMessage response = await Reporter.ReportAsync(body, _key);

        await _doc.CheckAsync(response);
        JsonElement problem = await response.AssertProblemAsync(status, code);
        if (field is not null)
        {
            problem.AssertErrorOn(field);
        }

        TokenKit.AssertNoTokenIn(problem.GetRawText(), client.Token);
        await AssertUntouchedAsync(admin, client);
        _ = label; // names the case in the runner's output
    }

    [Fact]
    public async Task SignedReport_OfManyBadItems_NamesTheFirstTen_AndCountsTheRest()
    {
        byte[] body = Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat("""{"token":5}""", 30)) + "]");

        using HttpResponseMessage response = await Reporter.ReportAsync(body, _key);

        JsonElement problem = await response.AssertProblemAsync(400, "validation_failed");
        string[] fields = problem.GetProperty("errors").PropertyNames();
        Assert.Equal(11, fields.Length); // ten items named, and "body" with the count
        Assert.Contains("20 more", problem.GetProperty("errors").GetProperty("body")[0].GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedReport_SentAsAnotherMediaType_Is415()
    {
        (AdminApi admin, AdminApi.Created client) = await ClientAsync();
        byte[] body = Reporter.Body(client.Token);
        var headers = new Dictionary<string, string> { [Reporter.IdentifierHeader] = _key.Identifier, [Reporter.SignatureHeader] = _key.Sign(body) };

        using HttpResponseMessage response = await Reporter.SendAsync(body, headers, contentType: "text/plain");

        await _doc.CheckAsync(response);
        await response.AssertProblemAsync(415, "unsupported_media_type");
        await AssertUntouchedAsync(admin, client);
    }

    [Fact]
    public async Task Answers_MatchTheDocument_ForEachOutcome()
    {
        (_, AdminApi.Created client) = await ClientAsync();
        using HttpResponseMessage taken = await Reporter.ReportAsync(Reporter.Body(client.Token, "junk"), _key);
        await _doc.CheckAsync(taken);
        using HttpResponseMessage unsigned = await Reporter.SendAsync(Reporter.Body(client.Token), new Dictionary<string, string>());
        await _doc.CheckAsync(unsigned);
        await using var unconfigured = new LocalHostFactory(stack);
        using HttpResponseMessage off = await new Reporter(unconfigured.CreateClient()).ReportAsync(Reporter.Body(client.Token), _key);
        await _doc.CheckAsync(off);
        Assert.Equal([200, 401, 404], new[] { taken, unsigned, off }.Select(response => (int)response.StatusCode).ToArray());
    }

    /// <summary>One item with the token and an ignored field that pads the body to exactly <paramref name="size"/> bytes.</summary>
    private static byte[] Padded(string token, int size)
    {
        string start = "[{\"token\":\"" + token + "\",\"type\":\"blue_access_token\",\"url\":\"https://github.com/o/r\",\"source\":\"content\",\"padding\":\"";
        const string End = "\"}]";
        return Encoding.ASCII.GetBytes(start + new string('x', size - start.Length - End.Length) + End);
    }

    private async Task<(AdminApi Admin, AdminApi.Created Client)> ClientAsync()
    {
        var admin = new AdminApi(_host.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        return (admin, await admin.CreateAsync("BI"));
    }

    private async Task AssertUntouchedAsync(AdminApi admin, AdminApi.Created client)
    {
        Assert.Equal("valid", (await new Connector(_host.CreateClient()).ValidateAsync(client.Token)).Outcome);
        Assert.Equal(client.ETag, (await admin.SendAsync(HttpMethod.Get, $"/api/clients/{client.Id}")).Headers.ETag!.ToString());
    }
}
