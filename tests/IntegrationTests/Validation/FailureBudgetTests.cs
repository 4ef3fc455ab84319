using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// The failure budget of validate (API.md, "Validate answers 401 ..."): every 401 spends one unit of the source's
/// budget; after N failures, until the fixed 60-second window opened by the first failure ends, a token the cache
/// answers as valid still gets its 200 (a gateway shared by many connectors is not locked out by one of them), and
/// every other request is 429 <c>rate_limited</c> with a whole-second Retry-After, without any table read; successes
/// spend nothing; other sources are unaffected; the window is shared by every instance. N is 5 here. Redis is shared
/// by every test, so each test plays a source of its own.
/// </summary>
[Collection(StackTests.Name)]
public sealed class FailureBudgetTests(StackFixture stack) : ApiTestBase(stack, Budget(5))
{
    private const int N = 5;

    [Fact]
    public async Task JunkFailures_FiveAre401_ThenEveryRequestIs429_ButAValidTokenTheCacheAnswers()
    {
        AdminApi.Created client = await NewTenant().CreateAsync("BI");
        string source = NewSource();
        HttpClient http = Host.CreateClient();

        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, "nope"), "invalid_token", $"failure {i}");
        }

        int first = await AssertRateLimitedAsync(await ValidateAsync(http, source, "nope"), "6th");
        int second = await AssertRateLimitedAsync(await ValidateAsync(http, source, "nope"), "7th");
        await AssertValidAsync(await ValidateAsync(http, source, client.Token), "a valid token from a spent source (a cache hit)");
        await AssertValidAsync(await ValidateAsync(http, source, client.Token, inBody: true), "a valid token in the body");
        int third = await AssertRateLimitedAsync(await ValidateAsync(http, source, TokenKit.NewWellFormed()), "an unknown token");
        Assert.True(second <= first && third <= second, $"the window only shrinks: {first}, {second}, {third}");
    }

    [Fact]
    public async Task WellFormedUnknownTokens_SpendTheBudgetToo()
    {
        AdminApi.Created client = await NewTenant().CreateAsync("BI");
        string source = NewSource();
        HttpClient http = Host.CreateClient();

        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, TokenKit.NewWellFormed()), "invalid_token", $"failure {i}");
        }

        await AssertRateLimitedAsync(await ValidateAsync(http, source, TokenKit.NewWellFormed()), "6th");
        await AssertRateLimitedAsync(await ValidateAsync(http, source, TokenKit.NewWellFormed()), "7th");
        await AssertValidAsync(await ValidateAsync(http, source, client.Token), "a valid token from a spent source");
    }

    [Fact]
    public async Task RefusalsOfRealTokens_SpendTheBudgetToo()
    {
        // "every 401 of validate spends one unit": a disabled client's token is a 401 like any other.
        AdminApi admin = NewTenant();
        AdminApi.Created disabled = await admin.CreateAsync("Off");
        AdminApi.Created client = await admin.CreateAsync("BI");
        (await admin.PostAsync($"/api/clients/{disabled.Id}/disable")).EnsureSuccessStatusCode();
        string source = NewSource();
        HttpClient http = Host.CreateClient();

        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, disabled.Token), "disabled", $"failure {i}");
        }

        await AssertRateLimitedAsync(await ValidateAsync(http, source, disabled.Token), "6th", disabled.Token);
        await AssertValidAsync(await ValidateAsync(http, source, client.Token), "a valid token from a spent source");
    }

    [Fact]
    public async Task AnotherSource_IsUnaffected()
    {
        AdminApi.Created client = await NewTenant().CreateAsync("BI");
        string spent = NewSource(), other = NewSource();
        HttpClient http = Host.CreateClient();
        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, spent, "nope"), "invalid_token", $"failure {i}");
        }

        await AssertRateLimitedAsync(await ValidateAsync(http, spent, "nope"), "6th");

        await AssertValidAsync(await ValidateAsync(http, other, client.Token), "the other source's valid token");
        await AssertRefusedAsync(await ValidateAsync(http, other, "nope"), "invalid_token", "the other source's junk");
        await AssertRateLimitedAsync(await ValidateAsync(http, spent, "nope"), "the spent source, still");
    }

    [Fact]
    public async Task Successes_DoNotSpend()
    {
        AdminApi.Created client = await NewTenant().CreateAsync("BI");
        string source = NewSource();
        HttpClient http = Host.CreateClient();

        for (int i = 1; i <= 20; i++)
        {
            await AssertValidAsync(await ValidateAsync(http, source, client.Token, inBody: i % 2 == 0), $"success {i}");
        }

        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, "nope"), "invalid_token", $"failure {i} after 20 successes");
        }

        await AssertRateLimitedAsync(await ValidateAsync(http, source, "nope"), "6th failure");
    }

    [Fact]
    public async Task SuccessesBetweenFailures_DoNotRefundThem()
    {
        AdminApi.Created client = await NewTenant().CreateAsync("BI");
        string source = NewSource();
        HttpClient http = Host.CreateClient();

        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, "nope"), "invalid_token", $"failure {i}");
            if (i < N)
            {
                await AssertValidAsync(await ValidateAsync(http, source, client.Token), $"success after failure {i}");
            }
        }

        await AssertRateLimitedAsync(await ValidateAsync(http, source, "nope"), "the 6th failure, after successes between");
    }

    [Fact]
    public async Task TheWindowIsSharedByEveryInstance()
    {
        await using var hostB = new LocalHostFactory(Stack, Budget(N));
        AdminApi.Created client = await NewTenant().CreateAsync("BI");
        string source = NewSource();
        HttpClient a = Host.CreateClient(), b = hostB.CreateClient();

        for (int i = 1; i <= 3; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(a, source, "nope"), "invalid_token", $"failure {i} on host A");
        }

        for (int i = 4; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(b, source, TokenKit.NewWellFormed()), "invalid_token", $"failure {i} on host B");
        }

        await AssertRateLimitedAsync(await ValidateAsync(a, source, "nope"), "the next on host A");
        await AssertRateLimitedAsync(await ValidateAsync(b, source, "nope"), "the next on host B");
        await AssertRateLimitedAsync(await ValidateAsync(b, source, TokenKit.NewWellFormed()), "an unknown token on host B");
        await AssertValidAsync(await ValidateAsync(b, source, client.Token), "a valid token on host B");
        await AssertValidAsync(await ValidateAsync(a, source, client.Token), "a valid token on host A");
    }

    [Fact]
    public async Task ASpentSource_WhoseValidTokenMissesTheCache_Gets429_WithoutAnyTableRead()
    {
        var counter = new StorageRequestCounter();
        await using var host = new LocalHostFactory(Stack, Budget(N));
        using var counted = host.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(counter.CreateClient(Stack.StorageConnectionString))));
        counted.Server.PreserveExecutionContext = true; // so the counter's scope flows into the request
        AdminApi.Created client = await new AdminApi(counted.CreateClient(), $"tenant-{Guid.NewGuid():N}").CreateAsync("BI");
        string source = NewSource();
        HttpClient http = counted.CreateClient();
        for (int i = 1; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, "nope"), "invalid_token", $"failure {i}");
        }

        await using (RedisProbe redis = await RedisProbe.ConnectAsync(Stack.RedisConnectionString))
        {
            await redis.DeleteAsync(RedisProbe.TokenKey(client.Token)); // only the table could say it is valid now
        }

        using (counter.Measure())
        {
            await AssertRateLimitedAsync(await ValidateAsync(http, source, client.Token), "a valid token the cache does not hold", client.Token);
            await AssertRateLimitedAsync(await ValidateAsync(http, source, TokenKit.NewWellFormed()), "an unknown token");
        }

        Assert.Equal(0, counter.Count);
        await AssertValidAsync(await ValidateAsync(http, NewSource(), client.Token), "the same token from another source");
    }

    [Fact]
    public async Task TheWindowIsOpenedByTheFirstFailure_AndNotExtendedByLaterOnes()
    {
        string source = NewSource();
        HttpClient http = Host.CreateClient();

        await AssertRefusedAsync(await ValidateAsync(http, source, "nope"), "invalid_token", "failure 1");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        for (int i = 2; i <= N; i++)
        {
            await AssertRefusedAsync(await ValidateAsync(http, source, "nope"), "invalid_token", $"failure {i}");
        }

        // A fixed 60-second window opened 2.5 s ago has at most 58 whole seconds left (rounded up), and, the later
        // failures taking far less than 7 s, at least 50.
        int retryAfter = await AssertRateLimitedAsync(await ValidateAsync(http, source, "nope"), "6th");
        Assert.True(retryAfter <= 58, $"Retry-After {retryAfter}: the window must run from the first failure, not a later one");
        Assert.True(retryAfter >= 50, $"Retry-After {retryAfter}: the window must be the 60 seconds from the first failure");
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static Dictionary<string, string?> Budget(int failures) => new() { ["Validate:MaxFailuresPerMinute"] = $"{failures}" };

    /// <summary>A source address no other test uses (Redis, and so every budget, is shared by all tests).</summary>
    private static string NewSource()
    {
        Span<byte> bytes = stackalloc byte[3];
        RandomNumberGenerator.Fill(bytes);
        return $"10.{bytes[0]}.{bytes[1]}.{bytes[2]}";
    }

    private static async Task<HttpResponseMessage> ValidateAsync(HttpClient http, string source, string token, bool inBody = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate");
        request.Headers.TryAddWithoutValidation(TestSourceAddress.Header, source);
        if (inBody)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(new { token }), Encoding.UTF8, "application/json");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    private static async Task AssertValidAsync(HttpResponseMessage response, string what)
    {
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}: expected 200, got {(int)response.StatusCode}: {text}");
            Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("valid").GetBoolean(), $"{what}: {text}");
        }
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string code, string what)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                $"{what}: expected 401 {code}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            await response.AssertProblemAsync(401, code);
        }
    }

    /// <summary>A 429 <c>rate_limited</c> problem whose Retry-After is whole seconds from 1 to 60; returns them.</summary>
    private static async Task<int> AssertRateLimitedAsync(HttpResponseMessage response, string what, string? presented = null)
    {
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests,
                $"{what}: expected 429 rate_limited, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            JsonElement problem = await response.AssertProblemAsync(429, "rate_limited");
            Assert.True(response.Headers.TryGetValues("Retry-After", out IEnumerable<string>? values), $"{what}: a 429 needs Retry-After");
            string raw = Assert.Single(values!);
            Assert.Matches("^[0-9]+$", raw);
            int seconds = int.Parse(raw, CultureInfo.InvariantCulture);
            Assert.InRange(seconds, 1, 60);
            if (presented is not null)
            {
                TokenKit.AssertNoTokenIn(problem.GetRawText(), presented);
            }

            return seconds;
        }
    }
}
