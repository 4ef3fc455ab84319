using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using BlueTokens.Core;
using BlueTokens.Core.Caching;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.IntegrationTests.Caching;

/// <summary>
/// Entra ID sign-in against a real redis-server standing in for Azure Managed Redis: an ACL user named by the
/// identity's object id whose password is the access token. The service's own <see cref="RedisConnection"/>, built by
/// the composition root with only the credential replaced, must sign in with the current token on every connect
/// and reconnect, and sign its live connection in again after each renewal.
/// </summary>
public sealed class RedisSignInTests : IAsyncLifetime
{
    private const string AdminUser = "test-admin", AdminPassword = "test-admin-password";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly string _oid = Guid.NewGuid().ToString();
    private readonly FakeEntraCredential _credential = new();
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly List<IssuedToken> _issued = [];
    private string _directory = "";
    private RedisServer _server = null!;
    private ConnectionMultiplexer _admin = null!;

    private IServer Admin => _admin.GetServer(_admin.GetEndPoints()[0]);

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("blue-signin-").FullName;
        _server = await RedisServer.StartAsync(ServerProcess.FreePort(), _directory);

        // As on Azure Managed Redis, nothing gets in unsigned: without this, a connection whose AUTH failed would
        // carry on as the default user and hide the failure. The test's own connections sign in as an admin.
        await using (ConnectionMultiplexer setup = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_server.Port},allowAdmin=true"))
        {
            await setup.GetServer(setup.GetEndPoints()[0]).ExecuteAsync("ACL", "SETUSER", AdminUser, "on", ">" + AdminPassword, "~*", "&*", "+@all");
        }

        _admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_server.Port},allowAdmin=true,user={AdminUser},password={AdminPassword}");
        await AclAsync("SETUSER", "default", "off", "resetpass");
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Connect_SignsInAsTheObjectIdWithTheToken_OverOneConnection()
    {
        IssuedToken token = Issue(TimeSpan.FromHours(1));
        await AclAsync("SETUSER", _oid, "on", ">" + token.Token, "~*", "&*", "+@all");
        await using ServiceProvider services = Services();

        IDatabase db = await services.GetRequiredService<RedisConnection>().GetDatabaseAsync();
        await db.StringSetAsync("signin:probe", "works");

        Assert.Equal("works", await db.StringGetAsync("signin:probe"));
        Assert.Equal(new[] { "https://redis.azure.com/.default" }, _credential.RequestedScopes);
        // One connection: no subscription connection beside it (for the library's configuration channel) that no
        // renewal could sign in again, because pub/sub is off altogether.
        ClientInfo connection = Assert.Single(await ConnectionsAsync());
        Assert.Equal("blue-token-service/validate", connection.Name); // the validate link; the admin link connects on its first write
        await Assert.ThrowsAsync<RedisCommandException>(() => db.Multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal("any"), (_, _) => { }));
        AssertNoTokenLogged();
    }

    [Fact]
    public async Task Reconnect_AfterTheTokenRotates_SignsInWithTheNewToken()
    {
        IssuedToken old = Issue(TimeSpan.FromSeconds(2));
        await AclAsync("SETUSER", _oid, "on", ">" + old.Token, "~*", "&*", "+@all");
        await using ServiceProvider services = Services();
        IDatabase db = await services.GetRequiredService<RedisConnection>().GetDatabaseAsync();
        await db.StringSetAsync("signin:probe", "before");
        ClientInfo before = Assert.Single(await ConnectionsAsync());

        // Entra ID issues the next token (valid at once), the service renews to it, and then the old one goes.
        IssuedToken renewed = FakeEntraCredential.Mint(_oid, TimeSpan.FromHours(1));
        await AclAsync("SETUSER", _oid, ">" + renewed.Token);
        Issue(renewed);
        RedisSignIn signIn = services.GetRequiredService<RedisSignIn>();
        await EventuallyAsync(() => Task.FromResult(signIn.Current?.Password == renewed.Token), "the renewal");
        await AclAsync("SETUSER", _oid, "<" + old.Token);
        await AclAsync("LOG", "RESET");
        await Admin.ExecuteAsync("CLIENT", "KILL", "USER", _oid);

        await EventuallyAsync(async () => await TryRoundTripAsync(db, "after"), "a command after the reconnect");
        Assert.NotEqual(before.Id, Assert.Single(await ConnectionsAsync()).Id);
        // Not one sign-in was refused: the reconnect used the new token, never the old one.
        Assert.Empty((RedisResult[])(await AclAsync("LOG"))!);
        Assert.Contains(_logs, line => line.Contains("Redis access token renewed", StringComparison.Ordinal));
        AssertNoTokenLogged();
    }

    [Fact]
    public async Task Renewal_SignsTheLiveConnectionInAgain_BeforeTheOldTokenExpires()
    {
        IssuedToken old = Issue(TimeSpan.FromSeconds(4));
        await AclAsync("SETUSER", _oid, "on", ">" + old.Token, "~*", "&*", "+@all");
        await using ServiceProvider services = Services();
        IDatabase db = await services.GetRequiredService<RedisConnection>().GetDatabaseAsync();
        await db.StringSetAsync("signin:probe", "before");
        ClientInfo live = Assert.Single(await ConnectionsAsync());
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_server.Port, AdminUser, AdminPassword);

        // From the moment the new token is issued only it opens the server, so an AUTH the server accepts is one
        // with the new token. (Redis keeps a connection signed in when its password goes; Azure Managed Redis
        // closes it when its token expires: hence the deadline below.)
        IssuedToken renewed = FakeEntraCredential.Mint(_oid, TimeSpan.FromHours(1));
        await AclAsync("SETUSER", _oid, "resetpass", ">" + renewed.Token);
        await AclAsync("LOG", "RESET");
        Issue(renewed);

        MonitoredCommand auth = await EventuallyAsync(
            () => Task.FromResult(monitor.Commands.FirstOrDefault(c => c.Client == live.Address!.ToString() && c.Command.Equals("AUTH", StringComparison.OrdinalIgnoreCase))),
            "an AUTH on the live connection");

        Assert.True(auth.At < old.ExpiresOn, $"signed in again at {auth.At:O}, after the old token expired at {old.ExpiresOn:O}");
        Assert.Empty((RedisResult[])(await AclAsync("LOG"))!);
        Assert.Equal(live.Id, Assert.Single(await ConnectionsAsync()).Id);
        Assert.Equal("before", await db.StringGetAsync("signin:probe"));
        AssertNoTokenLogged();
    }

    [Fact]
    public async Task Renewal_SignsInAgainOnEveryMultiplexer_ConfiguredFromCopiesOfTheOptions()
    {
        IssuedToken old = Issue(TimeSpan.FromSeconds(3));
        await AclAsync("SETUSER", _oid, "on", ">" + old.Token, "~*", "&*", "+@all");
        await using ServiceProvider services = Services();
        RedisSignIn signIn = services.GetRequiredService<RedisSignIn>();
        ConfigurationOptions template = RedisConnection.BuildConfiguration(services.GetRequiredService<IOptions<RedisOptions>>().Value.ConfigurationString);
        signIn.Configure(template);

        // Two multiplexers from clones of one configured template, as for separate read and write links.
        var links = new List<ConnectionMultiplexer>();
        foreach (string role in new[] { "validate", "admin" })
        {
            ConfigurationOptions configuration = template.Clone();
            configuration.ClientName = $"blue-token-service/{role}";
            await signIn.SignInAsync();
            links.Add(await ConnectionMultiplexer.ConnectAsync(configuration));
        }

        try
        {
            ClientInfo[] live = await ConnectionsAsync();
            Assert.Equal(2, live.Length);
            await using RedisMonitor monitor = await RedisMonitor.StartAsync(_server.Port, AdminUser, AdminPassword);
            IssuedToken renewed = FakeEntraCredential.Mint(_oid, TimeSpan.FromHours(1));
            await AclAsync("SETUSER", _oid, "resetpass", ">" + renewed.Token);
            await AclAsync("LOG", "RESET");
            Issue(renewed);

            string[] addresses = [.. live.Select(client => $"{client.Address}")];
            await EventuallyAsync(
                () => Task.FromResult(addresses.All(address => monitor.Commands.Any(c => c.Client == address && c.Command.Equals("AUTH", StringComparison.OrdinalIgnoreCase)))),
                "an AUTH on both live connections");
            Assert.Empty((RedisResult[])(await AclAsync("LOG"))!);
            Assert.Equal(live.Select(client => client.Id).Order(), (await ConnectionsAsync()).Select(client => client.Id).Order());
        }
        finally
        {
            foreach (ConnectionMultiplexer link in links)
            {
                await link.DisposeAsync();
            }
        }
    }

    /// <summary>The composition root, over this test's server, with the Entra ID credential replaced by the fake.</summary>
    private ServiceProvider Services()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Endpoint"] = $"127.0.0.1:{_server.Port}",
            ["Redis:Credential"] = "managedidentity",
            ["Redis:ClientId"] = "00000000-0000-0000-0000-0000000000aa",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingProvider(_logs)));
        services.AddBlueTokenCore(configuration);
        // The test server speaks plain TCP; Azure Managed Redis only TLS, which the Entra ID form always uses there.
        services.PostConfigure<RedisOptions>(options => options.UseTls = false);
        services.AddKeyedSingleton<TokenCredential>(RedisSignIn.CredentialKey, _credential);
        return services.BuildServiceProvider();
    }

    private IssuedToken Issue(TimeSpan lifetime) => Issue(FakeEntraCredential.Mint(_oid, lifetime));

    private IssuedToken Issue(IssuedToken token)
    {
        lock (_issued)
        {
            _issued.Add(token);
        }

        _credential.HandOut(token);
        return token;
    }

    private Task<RedisResult> AclAsync(params object[] arguments) => Admin.ExecuteAsync("ACL", arguments);

    /// <summary>The connections signed in as the test's identity.</summary>
    private async Task<ClientInfo[]> ConnectionsAsync() =>
        (await Admin.ClientListAsync()).Where(client => client.Raw?.Split(' ').Contains($"user={_oid}") == true).ToArray();

    private static async Task<bool> TryRoundTripAsync(IDatabase db, string value)
    {
        try
        {
            await db.StringSetAsync("signin:probe", value);
            return await db.StringGetAsync("signin:probe") == value;
        }
        catch (RedisException)
        {
            return false;
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> probe, string what) =>
        await EventuallyAsync(async () => await probe() ? what : null, what);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } result)
            {
                return result;
            }

            Assert.True(clock.Elapsed < Patience, $"Waited {Patience.TotalSeconds} s in vain for {what}.");
            await Task.Delay(50);
        }
    }

    private void AssertNoTokenLogged()
    {
        string[] lines = [.. _logs];
        lock (_issued)
        {
            foreach (IssuedToken token in _issued)
            {
                Assert.DoesNotContain(lines, line => line.Contains(token.Token, StringComparison.Ordinal));
            }
        }
    }

    private sealed class CapturingProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, lines);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {exception}");
        }
    }
}
