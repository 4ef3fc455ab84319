using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using BlueTokens.Core.Expiry;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Validation;
using BlueTokens.IntegrationTests.Expiry;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Clients;

/// <summary>
/// <c>GET /clients/{id}/usage</c> (API.md, Usage): every validate answer about a known client counts for its UTC
/// day as valid or refused (disabled, expired, network_not_allowed), on whichever instance answered it, once a flush
/// has written it (the tests call the flush instead of waiting out its 30 s); oldest first, zero-filled, 1 to 90
/// days; another tenant's client is a 404; the timer removes rows past 90 days.
/// </summary>
[Collection(StackTests.Name)]
public sealed class UsageTests(StackFixture stack) : ApiTestBase(stack)
{
    [Fact]
    public async Task Usage_CountsValidAndDisabledAnswers_OnceAFlushHasWrittenThem()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        var connector = new Connector(Host.CreateClient());
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        }

        (await admin.PostAsync($"/api/clients/{client.Id}/disable")).EnsureSuccessStatusCode();
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("disabled", (await connector.ValidateAsync(client.Token)).Outcome);

        await FlushAsync(Host);

        Assert.Equal((3, 2), Total(await UsageAsync(admin, client.Id)));
    }

    [Fact]
    public async Task Usage_CountsNetworkNotAllowedAsRefused_AndNotAReplacedToken()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Gateway", lifetime: new { allowedNetworks = new[] { "10.0.0.0/8" } });
        Assert.Equal("valid", (await new Connector(Host.CreateClient(), "10.1.2.3").ValidateAsync(client.Token)).Outcome);
        Assert.Equal("network_not_allowed", (await new Connector(Host.CreateClient(), "192.0.2.1").ValidateAsync(client.Token)).Outcome);

        // A token replaced without grace is no longer the client's: invalid_token, not counted.
        (await admin.PostAsync($"/api/clients/{client.Id}/token/regenerate")).EnsureSuccessStatusCode();
        Assert.Equal("invalid_token", (await new Connector(Host.CreateClient(), "10.1.2.3").ValidateAsync(client.Token)).Outcome);
        Assert.Equal("invalid_token", (await new Connector(Host.CreateClient()).ValidateAsync("blue_" + new string('x', 38))).Outcome);
        await FlushAsync(Host);

        Assert.Equal((1, 1), Total(await UsageAsync(admin, client.Id)));
    }

    [Fact]
    public async Task Usage_CountedByTwoInstancesAtOnce_LosesNothing()
    {
        // Two hosts over one store are two instances of a deployment: both count the same client and flush at the
        // same moment, twice. Their counts add up; none overwrites the other's, and a second flush adds only what is new.
        await using var other = new LocalHostFactory(Stack);
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("JDBC");
        Connector[] connectors = [new(Host.CreateClient()), new(other.CreateClient())];

        async Task ValidateOnBothAsync(int each) => await Task.WhenAll(connectors.Select(async connector =>
        {
            for (int i = 0; i < each; i++)
            {
                Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
            }
        }));

        await ValidateOnBothAsync(25);
        await Task.WhenAll(FlushAsync(Host), FlushAsync(other));
        Assert.Equal((50, 0), Total(await UsageAsync(admin, client.Id)));

        await ValidateOnBothAsync(5);
        await Task.WhenAll(FlushAsync(Host), FlushAsync(other));
        await Task.WhenAll(FlushAsync(Host), FlushAsync(other)); // nothing new: nothing more
        Assert.Equal((60, 0), Total(await UsageAsync(admin, client.Id)));
    }

    [Fact]
    public async Task Usage_DoesNotCountRateLimitedAnswers()
    {
        await using var limited = new LocalHostFactory(Stack, new Dictionary<string, string?> { ["Validate:MaxFailuresPerMinute"] = "2" });
        var admin = new AdminApi(limited.CreateClient(), $"tenant-{Guid.NewGuid():N}");
        AdminApi.Created client = await admin.CreateAsync("BI");
        (await admin.PostAsync($"/api/clients/{client.Id}/disable")).EnsureSuccessStatusCode();
        var connector = new Connector(limited.CreateClient(), $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}");
        var outcomes = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            outcomes.Add((await connector.ValidateAsync(client.Token)).Outcome);
        }

        await FlushAsync(limited);

        Assert.Contains("rate_limited", outcomes);
        Assert.Equal((0, outcomes.Count(outcome => outcome == "disabled")), Total(await UsageAsync(admin, client.Id)));
    }

    [Fact]
    public async Task Usage_IsOneEntryPerUtcDayEndingToday_OldestFirst_ZeroFilled_ThirtyByDefault()
    {
        ClockedHost host = HostWithClock();
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");
        Assert.Equal("valid", (await host.NewConnector().ValidateAsync(client.Token)).Outcome);
        await FlushAsync(host.Factory);
        DateOnly today = DateOnly.FromDateTime(host.Clock.GetUtcNow().UtcDateTime);

        foreach ((int? asked, int expected) in new (int?, int)[] { (null, 30), (1, 1), (7, 7), (90, 90) })
        {
            JsonElement[] days = await UsageAsync(admin, client.Id, asked);
            Assert.Equal(
                Enumerable.Range(0, expected).Select(i => today.AddDays(i + 1 - expected).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                days.Select(day => day.GetProperty("date").GetString()));
            Assert.Equal(1, days[^1].GetProperty("valid").GetInt64());
            Assert.All(days[..^1], day => Assert.Equal((0, 0), (day.GetProperty("valid").GetInt64(), day.GetProperty("refused").GetInt64())));
            Assert.All(days, day => Assert.Equal(["date", "valid", "refused"], day.EnumerateObject().Select(p => p.Name)));
        }
    }

    [Fact]
    public async Task Usage_StraddlingMidnightUtc_CountsEachAnswerOnItsOwnDay_AndExpiredAsRefused()
    {
        ClockedHost host = HostWithClock();
        DateTimeOffset now = host.Clock.GetUtcNow();
        DateTimeOffset midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        host.Clock.Advance(midnight.AddSeconds(-5) - now);
        AdminApi admin = host.NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI", lifetime: new { expiresInDays = 1 });
        Connector connector = host.NewConnector();
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        await FlushAsync(host.Factory);

        host.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("valid", (await connector.ValidateAsync(client.Token)).Outcome);
        host.Clock.Advance(TimeSpan.FromDays(1)); // past the token's end, on the next day
        Assert.Equal("expired", (await connector.ValidateAsync(client.Token)).Outcome);
        await FlushAsync(host.Factory);

        JsonElement[] days = await UsageAsync(admin, client.Id, 3);
        Assert.Equal(
            [(2, 0), (1, 0), (0, 1)],
            days.Select(day => (day.GetProperty("valid").GetInt64(), day.GetProperty("refused").GetInt64())));
        Assert.Equal(DateOnly.FromDateTime(midnight.UtcDateTime).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), days[0].GetProperty("date").GetString());
    }

    [Theory]
    [InlineData("days=0")]
    [InlineData("days=91")]
    [InlineData("days=-1")]
    [InlineData("days=abc")]
    [InlineData("days=1.5")]
    [InlineData("days=")]
    [InlineData("days=%2030")]
    [InlineData("days=100000000000")]
    [InlineData("days=7&days=8")]
    public async Task Usage_WithDaysOutsideOneToNinety_Is400InvalidQuery(string query)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("BI");

        using HttpResponseMessage response = await admin.SendAsync(HttpMethod.Get, $"/api/clients/{client.Id}/usage?{query}");

        JsonElement problem = await response.AssertProblemAsync(400, "invalid_query");
        Assert.True(problem.GetProperty("errors").TryGetProperty("days", out _), problem.ToString());
    }

    [Fact]
    public async Task Usage_OfAnotherTenantsClient_IsAnsweredAsAMissingOne()
    {
        AdminApi owner = NewTenant();
        AdminApi.Created client = await owner.CreateAsync("BI");
        Assert.Equal("valid", (await new Connector(Host.CreateClient()).ValidateAsync(client.Token)).Outcome);
        await FlushAsync(Host);

        AdminApi stranger = NewTenant();
        foreach (string id in new[] { client.Id, "0000000000000000000000000000", "not-an-id" })
        {
            using HttpResponseMessage response = await stranger.SendAsync(HttpMethod.Get, $"/api/clients/{id}/usage");
            await response.AssertProblemAsync(404, "not_found");
        }

        using HttpResponseMessage anonymous = await Host.CreateClient().GetAsync($"/api/clients/{client.Id}/usage");
        await anonymous.AssertProblemAsync(401, "unauthenticated");
    }

    [Fact]
    public async Task Retention_RemovesRowsOlderThanNinetyDays_InBatches_AndKeepsTheNinetyDaysEndingToday()
    {
        // Own tables: the day index is read across tenants, and this test moves the clock by months.
        await using var host = ExpiryTestHost.Start(Stack, new Dictionary<string, string?> { ["Expiry:BatchSize"] = "2" });
        AdminApi admin = host.NewTenant();
        Connector connector = host.NewConnector();
        var clients = new List<AdminApi.Created>();
        for (int i = 0; i < 3; i++)
        {
            clients.Add(await admin.CreateAsync($"client-{i}", lifetime: new { expiresInDays = 365 }));
            Assert.Equal("valid", (await connector.ValidateAsync(clients[^1].Token)).Outcome);
        }

        await FlushAsync(host.Factory); // three rows on day 0
        host.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal("valid", (await connector.ValidateAsync(clients[0].Token)).Outcome);
        await FlushAsync(host.Factory); // one row on day 1
        UsageRetention retention = host.Services.GetRequiredService<UsageRetention>();
        host.Clock.Advance(TimeSpan.FromDays(88));
        Assert.Equal(0, await retention.RunAsync()); // day 89: days 0 to 89 are the 90 kept

        host.Clock.Advance(TimeSpan.FromDays(1)); // day 90: day 0 is past
        Assert.Equal(2, await retention.RunAsync()); // at most Expiry__BatchSize a run
        Assert.Equal(2, (await host.RowsAsync(UsageStore.Table)).Count);

        // The timer function does the rest.
        using HttpResponseMessage fired = await host.Factory.CreateClient().PostAsJsonAsync("/admin/functions/ExpireTokens", new { input = "" });
        Assert.Equal(HttpStatusCode.Accepted, fired.StatusCode);
        await Poll.UntilAsync("the timer removes the last due row", async () => (await host.RowsAsync(UsageStore.Table)).Count == 1, TimeSpan.FromSeconds(20));
        List<TableEntity> rows = await host.RowsAsync(UsageStore.Table);
        Assert.StartsWith($"{clients[0].Id}|", Assert.Single(rows).RowKey, StringComparison.Ordinal);
        Assert.Single(await host.RowsAsync(UsageStore.DaysTable));

        JsonElement[] days = await UsageAsync(admin, clients[0].Id, 90);
        Assert.Equal(1, days[0].GetProperty("valid").GetInt64()); // day 1, the oldest kept
        Assert.Equal((1, 0), Total(days));
    }

    private static Task<int> FlushAsync(WebApplicationFactory<BlueTokens.LocalHost.LocalHostEntryPoint> host) =>
        host.Services.GetRequiredService<LastUseRecorder>().FlushAsync();

    private static async Task<JsonElement[]> UsageAsync(AdminApi admin, string clientId, int? days = null)
    {
        string path = $"/api/clients/{clientId}/usage" + (days is null ? "" : $"?days={days}");
        (HttpResponseMessage response, JsonElement body) = await admin.GetJsonAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return body.GetProperty("days").EnumerateArray().Select(day => day.Clone()).ToArray();
    }

    /// <summary>Valid and refused summed over the days given (a test near midnight may see its counts on two days).</summary>
    private static (long Valid, long Refused) Total(IEnumerable<JsonElement> days) =>
        days.Aggregate((0L, 0L), (sum, day) => (sum.Item1 + day.GetProperty("valid").GetInt64(), sum.Item2 + day.GetProperty("refused").GetInt64()));
}
