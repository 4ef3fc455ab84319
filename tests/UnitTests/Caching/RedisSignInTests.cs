using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Identity;
using BlueTokens.Core;
using BlueTokens.Core.Caching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace BlueTokens.UnitTests.Caching;

/// <summary>
/// The sign-in's own logic, without a server: what it puts in the StackExchange.Redis configuration, when it
/// renews, and what it does when Entra ID fails. The integration tests run it against a real redis-server.
/// </summary>
public sealed class RedisSignInTests
{
    private const string Oid = "2d7c8a51-0b5e-4f0e-9a3c-5b1f3e7d9c20";
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(100);
    private static readonly RedisOptions EntraId = new() { Endpoint = "myredis.eastus.redis.azure.net:10000", Credential = "managedidentity" };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
    private readonly ListLogger _log = new();

    [Fact]
    public void Configure_LeavesTheConnectionStringFormAsItWas()
    {
        var credential = new ScriptedCredential(_time);
        ConfigurationOptions configuration = ConfigurationOptions.Parse("127.0.0.1:6379");
        string before = configuration.ToString();

        SignIn(credential, new RedisOptions { ConnectionString = "127.0.0.1:6379" }).Configure(configuration);

        Assert.Equal(before, configuration.ToString());
        Assert.Same(CommandMap.Default, configuration.CommandMap);
        Assert.Null(configuration.Password);
    }

    [Fact]
    public async Task SignIn_InTheConnectionStringForm_AsksForNoToken()
    {
        var credential = new ScriptedCredential(_time);
        await using RedisSignIn signIn = SignIn(credential, new RedisOptions { ConnectionString = "127.0.0.1:6379" });

        await signIn.SignInAsync();

        Assert.Empty(credential.Requests);
    }

    [Fact]
    public async Task Configure_InTheEntraIdForm_SignsInOverTlsWithTheObjectIdAndTheToken_WithoutPubSub()
    {
        var credential = new ScriptedCredential(_time);
        AccessToken token = FakeEntraToken.For(Oid, _time.GetUtcNow() + Lifetime);
        credential.Then(() => token);
        await using RedisSignIn signIn = SignIn(credential);
        ConfigurationOptions configuration = RedisConnection.BuildConfiguration(EntraId.ConfigurationString);

        signIn.Configure(configuration);
        await signIn.SignInAsync();

        Assert.Equal(new System.Net.DnsEndPoint("myredis.eastus.redis.azure.net", 10000), Assert.Single(configuration.EndPoints));
        Assert.True(configuration.Ssl);
        Assert.Equal(Oid, configuration.User);
        Assert.Equal(token.Token, configuration.Password);
        Assert.Equal(new[] { "https://redis.azure.com/.default" }, Assert.Single(credential.Requests).Scopes);
        // No subscription connection: it would be out of reach of the re-authentication.
        Assert.Contains("$SUBSCRIBE=", configuration.CommandMap.ToString(), StringComparison.Ordinal);
        Assert.Contains("$PSUBSCRIBE=", configuration.CommandMap.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("$AUTH=", configuration.CommandMap.ToString(), StringComparison.Ordinal);
        // What the library prints of its configuration carries no token.
        Assert.DoesNotContain(token.Token, configuration.ToString(), StringComparison.Ordinal);
        // A copy (one per multiplexer, say) signs in just the same.
        ConfigurationOptions copy = configuration.Clone();
        Assert.Equal((Oid, token.Token, true), (copy.User, copy.Password, copy.Ssl));
        Assert.Equal(configuration.CommandMap.ToString(), copy.CommandMap.ToString());
    }

    [Fact]
    public async Task Renewal_ComesBetween70And85PercentOfTheLifetime_AndTheConfigurationGivesTheNewToken()
    {
        var credential = new ScriptedCredential(_time);
        DateTimeOffset start = _time.GetUtcNow();
        AccessToken first = FakeEntraToken.For(Oid, start + Lifetime), second = FakeEntraToken.For(Oid, start + (2 * Lifetime));
        credential.Then(() => first);
        credential.Then(() => second);
        await using RedisSignIn signIn = SignIn(credential);
        ConfigurationOptions configuration = RedisConnection.BuildConfiguration(EntraId.ConfigurationString);
        signIn.Configure(configuration);
        ConfigurationOptions copy = configuration.Clone();
        await signIn.SignInAsync();

        await AdvanceUntilAsync(() => credential.Requests.Count == 2, step: TimeSpan.FromMinutes(1), limit: Lifetime);

        // Not before 70 %; the fake clock moves in steps, so the exact upper bound is RenewalDelay's test.
        TimeSpan renewedAfter = credential.Requests[1].At - start;
        Assert.InRange(renewedAfter, 0.70 * Lifetime, Lifetime);
        Assert.Equal(second.Token, configuration.Password);
        Assert.Equal(second.Token, copy.Password);
        Assert.Contains(_log.Messages, m => m.Contains("renewed", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Messages, m => m.Contains(first.Token, StringComparison.Ordinal) || m.Contains(second.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Renewal_ThatFails_KeepsTheTokenItHas_AndRetriesWithBackOff()
    {
        var credential = new ScriptedCredential(_time);
        DateTimeOffset start = _time.GetUtcNow();
        AccessToken first = FakeEntraToken.For(Oid, start + Lifetime), renewed = FakeEntraToken.For(Oid, start + (2 * Lifetime));
        credential.Then(() => first);
        credential.Then(() => throw new RequestFailedException("IMDS is down"));
        credential.Then(() => throw new RequestFailedException("IMDS is still down"));
        credential.Then(() => renewed);
        await using RedisSignIn signIn = SignIn(credential);
        await signIn.SignInAsync();

        await AdvanceUntilAsync(() => credential.Requests.Count == 2, step: TimeSpan.FromMinutes(1), limit: Lifetime);
        await AdvanceUntilAsync(() => credential.Requests.Count == 3, step: TimeSpan.FromMilliseconds(500), limit: TimeSpan.FromMinutes(1));
        Assert.Equal(first.Token, signIn.Current?.Password);
        await AdvanceUntilAsync(() => signIn.Current?.Password == renewed.Token, step: TimeSpan.FromMilliseconds(500), limit: TimeSpan.FromMinutes(1));

        IReadOnlyList<(DateTimeOffset At, string[] Scopes)> requests = credential.Requests;
        Assert.True(requests[2].At - requests[1].At >= TimeSpan.FromSeconds(1), "the first retry waits at least 1 s");
        Assert.True(requests[3].At - requests[2].At >= TimeSpan.FromSeconds(2), "the second retry waits at least 2 s");
        Assert.Equal(2, _log.Messages.Count(m => m.StartsWith("Warning", StringComparison.Ordinal) && m.Contains("renewal failed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SignIn_WhenTheFirstTokenFails_ReturnsAnyway_AndTheRetryBringsOne()
    {
        var credential = new ScriptedCredential(_time);
        AccessToken token = FakeEntraToken.For(Oid, _time.GetUtcNow() + Lifetime);
        credential.Then(() => throw new RequestFailedException("no identity yet"));
        credential.Then(() => token);
        await using RedisSignIn signIn = SignIn(credential);

        await signIn.SignInAsync();

        Assert.Null(signIn.Current);
        Assert.Contains(_log.Messages, m => m.StartsWith("Error", StringComparison.Ordinal));
        await AdvanceUntilAsync(() => signIn.Current is not null, step: TimeSpan.FromSeconds(1), limit: TimeSpan.FromMinutes(1));
        Assert.Equal(Oid, signIn.Current!.User);
    }

    [Fact]
    public async Task Renewal_RefusesATokenWithoutObjectId()
    {
        var credential = new ScriptedCredential(_time);
        AccessToken good = FakeEntraToken.For(Oid, _time.GetUtcNow() + Lifetime);
        credential.Then(() => new AccessToken(FakeEntraToken.Create("""{"aud":"https://redis.azure.com"}"""), _time.GetUtcNow() + Lifetime));
        credential.Then(() => good);
        await using RedisSignIn signIn = SignIn(credential);

        await signIn.SignInAsync();

        Assert.Null(signIn.Current);
        Assert.Contains(_log.Messages, m => m.Contains("carries no oid", StringComparison.Ordinal));
        await AdvanceUntilAsync(() => signIn.Current is not null, step: TimeSpan.FromSeconds(1), limit: TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void AddBlueTokenCore_SignsInWithTheManagedIdentity_UnderAKeyATestCanReplace()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Endpoint"] = "myredis.eastus.redis.azure.net:10000",
            ["Redis:Credential"] = "managedidentity",
            ["Redis:ClientId"] = "00000000-0000-0000-0000-000000000001",
        }).Build();
        var services = new ServiceCollection().AddBlueTokenCore(configuration);
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            Assert.IsType<ManagedIdentityCredential>(provider.GetRequiredKeyedService<TokenCredential>(RedisSignIn.CredentialKey));
        }

        var replacement = new ScriptedCredential(_time);
        services.AddKeyedSingleton<TokenCredential>(RedisSignIn.CredentialKey, replacement);
        using (ServiceProvider provider = services.BuildServiceProvider())
        {
            Assert.Same(replacement, provider.GetRequiredKeyedService<TokenCredential>(RedisSignIn.CredentialKey));
        }
    }

    [Theory]
    [InlineData(0.70)]
    [InlineData(0.85)]
    public void RenewalDelay_IsTheFractionOfWhatRemains(double fraction)
    {
        Assert.Equal(TimeSpan.FromHours(24) * fraction, RedisSignIn.RenewalDelay(TimeSpan.FromHours(24), fraction));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    public void RenewalDelay_NeverLoopsOnATokenAtItsEnd(int remainingSeconds)
    {
        Assert.Equal(RedisSignIn.MinimumRenewalDelay, RedisSignIn.RenewalDelay(TimeSpan.FromSeconds(remainingSeconds), 0.75));
    }

    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(2, 2, 4)]
    [InlineData(3, 4, 8)]
    [InlineData(6, 30, 60)]
    [InlineData(50, 30, 60)]
    public void RetryDelay_DoublesUpToAMinute_WithJitterOfUpToHalf(int failures, double shortestSeconds, double longestSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(shortestSeconds), RedisSignIn.RetryDelay(failures, jitter: 0));
        Assert.Equal(TimeSpan.FromSeconds(longestSeconds), RedisSignIn.RetryDelay(failures, jitter: 1));
    }

    private RedisSignIn SignIn(ScriptedCredential credential, RedisOptions? options = null) => new(
        Options.Create(options ?? EntraId),
        credential,
        _time,
        _log);

    /// <summary>Moves the fake clock on in steps until <paramref name="done"/>, giving the renewal loop a moment to run after each.</summary>
    private async Task AdvanceUntilAsync(Func<bool> done, TimeSpan step, TimeSpan limit)
    {
        DateTimeOffset end = _time.GetUtcNow() + limit;
        var deadline = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(_time.GetUtcNow() < end && deadline.Elapsed < TimeSpan.FromSeconds(10), "The awaited renewal did not happen.");
            _time.Advance(step);
            await Task.Delay(5);
        }
    }

    private sealed class ListLogger : ILogger<RedisSignIn>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
    }
}
