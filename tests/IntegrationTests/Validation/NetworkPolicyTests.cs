using System.Net;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// A client's <c>allowedNetworks</c> (API.md, "Client" and validate): written back in canonical form on create
/// and PATCH, refused with a 400 on the field otherwise; a validate from outside them is 401
/// <c>network_not_allowed</c>, judged after <c>disabled</c> and <c>expired</c>, spending the source's budget; and a
/// change of networks takes effect at the next validate on every instance, whatever either answered from memory.
/// </summary>
[Collection(StackTests.Name)]
public sealed class NetworkPolicyTests(StackFixture stack) : ApiTestBase(stack, Budget)
{
    private const int N = 3;

    private static readonly Dictionary<string, string?> Budget = new() { ["Validate:MaxFailuresPerMinute"] = $"{N}" };

    private AdminApi Admin => new(Host.CreateClient(), Tenant);

    private string Tenant { get; } = $"tenant-{Guid.NewGuid():N}";

    [Fact]
    public async Task Create_WritesTheNetworksBackInCanonicalForm_AndAClientWithoutThemAllowsAny()
    {
        AdminApi.Created open = await Admin.CreateAsync("Open");
        AdminApi.Created limited = await Admin.CreateAsync("Limited", lifetime: new
        {
            allowedNetworks = new[] { "10.1.2.3/8", "192.0.2.7", "2001:DB8:0:0:1::/32", "::ffff:198.51.100.9/120", "10.0.0.0/8" },
        });

        Assert.Empty(open.Client.GetProperty("allowedNetworks").EnumerateArray());
        Assert.Equal(["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "198.51.100.0/24"], Networks(limited.Client));
        (_, JsonElement read) = await Admin.GetJsonAsync($"/api/clients/{limited.Id}");
        Assert.Equal(Networks(limited.Client), Networks(read));
    }

    [Theory]
    [InlineData("""["10.0.0.0/33"]""")]
    [InlineData("""["10.0.0"]""")]
    [InlineData("""["010.0.0.1"]""")]
    [InlineData("""["10.0.0.1/08"]""")]
    [InlineData("""["fe80::1%eth0/64"]""")]
    [InlineData("""["2001:db8::/129"]""")]
    [InlineData("""["not a network"]""")]
    [InlineData("""[" 10.0.0.1"]""")]
    [InlineData("""[""]""")]
    [InlineData("""[10]""")]
    [InlineData("""[null]""")]
    [InlineData("\"10.0.0.0/8\"")]
    [InlineData("{}")]
    public async Task Create_RefusesAnythingButAListOfNetworks_OnTheField(string networks)
    {
        using HttpResponseMessage response = await Admin.SendAsync(HttpMethod.Post, "/api/clients",
            $$"""{"name":"BI","role":"analyst","allowedNetworks":{{networks}}}""");

        JsonElement problem = await response.AssertProblemAsync(400, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("allowedNetworks", out _), problem.ToString());
        (_, JsonElement list) = await Admin.GetJsonAsync("/api/clients");
        Assert.Empty(list.GetProperty("items").EnumerateArray()); // a failed request changes nothing
    }

    [Fact]
    public async Task Create_RefusesMoreThan32Networks_AndTakes32()
    {
        string[] many = [.. Enumerable.Range(0, 33).Select(i => $"10.0.{i}.0/24")];
        using HttpResponseMessage refused = await Admin.SendAsync(HttpMethod.Post, "/api/clients",
            JsonSerializer.Serialize(new { name = "BI", role = "analyst", allowedNetworks = many }));
        await refused.AssertProblemAsync(400, "validation_failed");

        AdminApi.Created taken = await Admin.CreateAsync("BI", lifetime: new { allowedNetworks = many[..32] });
        Assert.Equal(32, Networks(taken.Client).Length);
    }

    [Fact]
    public async Task Validate_FromOutsideTheNetworks_IsNetworkNotAllowed_AndFromInsideIsValid()
    {
        AdminApi.Created client = await Admin.CreateAsync("BI", lifetime: new { allowedNetworks = new[] { "203.0.113.0/24", "2001:db8:5::/48" } });

        Assert.Equal("valid", await OutcomeAsync(client.Token, "203.0.113.200"));
        Assert.Equal("valid", await OutcomeAsync(client.Token, "::ffff:203.0.113.9")); // a dual-stack socket's IPv4
        Assert.Equal("valid", await OutcomeAsync(client.Token, "2001:db8:5:ffff::1"));
        string outside = NewIPv4();
        Assert.Equal("network_not_allowed", await OutcomeAsync(client.Token, outside));
        Assert.Equal("network_not_allowed", await OutcomeAsync(client.Token, $"2001:db8:6:{Random.Shared.Next(0xffff):x}::1"));

        // The refusal is the same from memory as from the cache and the table: ask the refused source again.
        Assert.Equal("network_not_allowed", await OutcomeAsync(client.Token, outside));
    }

    [Fact]
    public async Task NetworkNotAllowed_IsJudgedAfterDisabledAndExpired()
    {
        AdminApi.Created client = await Admin.CreateAsync("BI", lifetime: new { allowedNetworks = new[] { "203.0.113.0/24" } });
        (await Admin.PostAsync($"/api/clients/{client.Id}/disable")).EnsureSuccessStatusCode();

        Assert.Equal("disabled", await OutcomeAsync(client.Token, NewIPv4()));
    }

    [Fact]
    public async Task NetworkNotAllowed_IsJudgedAfterExpired()
    {
        ClockedHost host = HostWithClock();
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI", lifetime: new { expiresInDays = 1, allowedNetworks = new[] { "203.0.113.0/24" } });
        var outside = new Connector(host.Factory.CreateClient(), NewIPv4());
        Assert.Equal("network_not_allowed", (await outside.ValidateAsync(client.Token)).Outcome);

        host.Clock.Advance(TimeSpan.FromDays(1));

        Assert.Equal("expired", (await outside.ValidateAsync(client.Token)).Outcome);
    }

    [Fact]
    public async Task NetworkNotAllowed_SpendsTheSourcesBudget()
    {
        AdminApi.Created client = await Admin.CreateAsync("BI", lifetime: new { allowedNetworks = new[] { "203.0.113.0/24" } });
        string outside = NewIPv4();
        for (int i = 1; i <= N; i++)
        {
            Assert.Equal("network_not_allowed", await OutcomeAsync(client.Token, outside));
        }

        Assert.Equal("rate_limited", await OutcomeAsync(client.Token, outside));
        Assert.Equal("valid", await OutcomeAsync(client.Token, "203.0.113.1"));
    }

    [Fact]
    public async Task APatchOfTheNetworks_TakesEffectAtTheNextValidate_OnEveryInstance()
    {
        await using var other = new LocalHostFactory(Stack);
        AdminApi.Created client = await Admin.CreateAsync("BI");
        Connector[] here = [new(Host.CreateClient(), "198.51.100.7"), new(other.CreateClient(), "198.51.100.7")];
        foreach (Connector connector in here)
        {
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome); // now held in memory
        }

        using HttpResponseMessage narrowed = await Admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}",
            """{"allowedNetworks":["203.0.113.0/24"]}""");
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        Assert.NotEqual(client.ETag, narrowed.Headers.ETag!.ToString());
        foreach (Connector connector in here)
        {
            Assert.Equal("network_not_allowed", (await connector.ValidateAsync(client.Token)).Outcome);
        }

        using HttpResponseMessage opened = await Admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"allowedNetworks":[]}""");
        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        foreach (Connector connector in here)
        {
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        }
    }

    [Fact]
    public async Task APatchOfTheNetworks_IsAudited_AndTheSameNetworksAgainChangeNothing()
    {
        AdminApi.Created client = await Admin.CreateAsync("BI", lifetime: new { allowedNetworks = new[] { "10.0.0.0/8" } });

        using HttpResponseMessage same = await Admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"allowedNetworks":["10.9.9.9/8"]}""");
        Assert.Equal(client.ETag, same.Headers.ETag!.ToString());
        using HttpResponseMessage changed = await Admin.SendAsync(HttpMethod.Patch, $"/api/clients/{client.Id}", """{"allowedNetworks":["10.0.0.0/16"]}""");
        changed.EnsureSuccessStatusCode();

        (_, JsonElement audit) = await Admin.GetJsonAsync($"/api/audit?clientId={client.Id}");
        JsonElement[] events = [.. audit.GetProperty("items").EnumerateArray()];
        Assert.Equal(["client.updated", "client.created"], events.Select(e => e.GetProperty("action").GetString()));
        JsonElement networks = events[0].GetProperty("detail").GetProperty("changes").GetProperty("allowedNetworks");
        Assert.Equal(["10.0.0.0/8"], networks.GetProperty("from").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(["10.0.0.0/16"], networks.GetProperty("to").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task AGraceToken_IsJudgedAgainstTheClientsNetworks()
    {
        AdminApi.Created client = await Admin.CreateAsync("BI", lifetime: new { allowedNetworks = new[] { "203.0.113.0/24" } });
        (await Admin.PostAsync($"/api/clients/{client.Id}/token/regenerate", new { gracePeriodMinutes = 10 })).EnsureSuccessStatusCode();

        Assert.Equal("valid", await OutcomeAsync(client.Token, "203.0.113.1"));
        Assert.Equal("network_not_allowed", await OutcomeAsync(client.Token, NewIPv4()));
    }

    private async Task<string> OutcomeAsync(string token, string source) =>
        (await new Connector(Host.CreateClient(), source).ValidateAsync(token)).Outcome;

    private static string[] Networks(JsonElement client) =>
        [.. client.GetProperty("allowedNetworks").EnumerateArray().Select(network => network.GetString()!)];

    /// <summary>A source outside every network of these tests, that no other test spends the budget of.</summary>
    private static string NewIPv4()
    {
        Span<byte> bytes = stackalloc byte[2];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return $"100.64.{bytes[0]}.{bytes[1]}";
    }
}
