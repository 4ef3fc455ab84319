using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace BlueTokens.IntegrationTests.Validation;

/// <summary>
/// Whose budget a failure spends (API.md, validate): the source is the address the host resolved for the
/// connection, never one the caller writes in a header; an IPv6 source counts by its /64 prefix; and with Redis
/// unavailable the budget is still enforced, by each instance on its own, without table reads for a spent source.
/// </summary>
[Collection(StackTests.Name)]
public sealed class BudgetSourceTests(StackFixture stack) : ApiTestBase(stack, Budget)
{
    private const int N = 5;

    private static readonly Dictionary<string, string?> Budget = new() { ["Validate:MaxFailuresPerMinute"] = $"{N}" };

    [Fact]
    public async Task ACallerSendingXForwardedFor_SpendsItsOwnBudget_AndCannotSpendAnothers()
    {
        string caller = NewIPv4(), victim = NewIPv4();
        HttpClient http = Host.CreateClient();
        for (int i = 1; i <= N + 1; i++)
        {
            // The caller names the victim as the client (first and last entries alike): it must not count for them.
            Connector.Answer answer = await ValidateAsync(caller, "nope", forwardedFor: $"{victim}, {victim}");
            Assert.Equal(i <= N ? "invalid_token" : "rate_limited", answer.Outcome);
        }

        Assert.Equal("invalid_token", (await new Connector(http, victim).ValidateAsync("nope")).Outcome);
        Assert.Equal("rate_limited", (await ValidateAsync(caller, "nope", forwardedFor: NewIPv4())).Outcome);
    }

    [Fact]
    public async Task IPv6Sources_CountByTheirSlash64()
    {
        string prefix = NewIPv6Prefix();
        HttpClient http = Host.CreateClient();
        for (int i = 1; i <= N; i++)
        {
            // Every failure from another address of the same /64.
            Assert.Equal("invalid_token", (await new Connector(http, $"{prefix}:{i:x}:0:0:{i:x}").ValidateAsync("nope")).Outcome);
        }

        Assert.Equal("rate_limited", (await new Connector(http, $"{prefix}:ffff:ffff:ffff:ffff").ValidateAsync("nope")).Outcome);
        Assert.Equal("invalid_token", (await new Connector(http, $"{NewIPv6Prefix()}::1").ValidateAsync("nope")).Outcome);
    }

    [Fact]
    public async Task AnIPv4AddressMappedIntoIPv6_SharesTheBudgetOfThatIPv4Address()
    {
        string source = NewIPv4();
        HttpClient http = Host.CreateClient();
        for (int i = 1; i <= N; i++)
        {
            Assert.Equal("invalid_token", (await new Connector(http, $"::ffff:{source}").ValidateAsync("nope")).Outcome);
        }

        Assert.Equal("rate_limited", (await new Connector(http, source).ValidateAsync("nope")).Outcome);
    }

    [Fact]
    public async Task WithRedisUnavailable_TheBudgetIsEnforcedPerInstance_WithoutTableReadsForASpentSource()
    {
        var counter = new StorageRequestCounter();
        var noRedis = new Dictionary<string, string?>(Budget) { ["Redis:ConnectionString"] = $"127.0.0.1:{ClosedPort()},connectTimeout=200" };
        await using var hostA = new LocalHostFactory(Stack, noRedis);
        await using var hostB = new LocalHostFactory(Stack, noRedis);
        using var countedA = hostA.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton(counter.CreateClient(Stack.StorageConnectionString))));
        countedA.Server.PreserveExecutionContext = true;
        AdminApi.Created client = await new AdminApi(countedA.CreateClient(), $"tenant-{Guid.NewGuid():N}").CreateAsync("BI");
        string source = NewIPv4();
        var a = new Connector(countedA.CreateClient(), source);
        var b = new Connector(hostB.CreateClient(), source);

        for (int i = 1; i <= N; i++)
        {
            Assert.Equal("invalid_token", (await a.ValidateAsync(TokenKit.NewWellFormed())).Outcome);
        }

        using (counter.Measure())
        {
            Connector.Answer limited = await a.ValidateAsync(TokenKit.NewWellFormed());
            Assert.Equal("rate_limited", limited.Outcome);
            Assert.InRange(limited.RetryAfter!.Value.TotalSeconds, 1, 60);
            Assert.Equal("rate_limited", (await a.ValidateAsync(client.Token)).Outcome);
        }

        Assert.Equal(0, counter.Count);

        // Per instance: the other host has spent nothing for this source, and answers from the table.
        Assert.Equal("valid", (await b.ValidateAsync(client.Token)).Outcome);
        Assert.Equal("invalid_token", (await b.ValidateAsync("nope")).Outcome);
        Assert.Equal("valid", (await new Connector(countedA.CreateClient(), NewIPv4()).ValidateAsync(client.Token)).Outcome);
    }

    private async Task<Connector.Answer> ValidateAsync(string source, string token, string forwardedFor)
    {
        using var forwarding = new HttpClient(new ForwardedForHandler(forwardedFor) { InnerHandler = Host.Server.CreateHandler() })
        {
            BaseAddress = Host.Server.BaseAddress,
        };
        return await new Connector(forwarding, source).ValidateAsync(token);
    }

    private static string NewIPv4()
    {
        Span<byte> bytes = stackalloc byte[3];
        RandomNumberGenerator.Fill(bytes);
        return $"10.{bytes[0]}.{bytes[1]}.{bytes[2]}";
    }

    /// <summary>The first four groups of a random /64 in the documentation range 2001:db8::/32.</summary>
    private static string NewIPv6Prefix()
    {
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return $"2001:db8:{bytes[0]:x2}{bytes[1]:x2}:{bytes[2]:x2}{bytes[3]:x2}";
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ForwardedForHandler(string value) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", value);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
