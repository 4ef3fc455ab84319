using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>
/// The process's two links to Redis, one server or a whole Redis Cluster: <see cref="Reads"/> for the validate
/// path (lookups and fills) and <see cref="Writes"/> for management writes, which wait for replicas (WAIT) on
/// their own connections so that a slow replica never holds up a validate. Each connects on first use, never
/// fails start-up when Redis is down (Redis is a cache; Table Storage is the truth) and reconnects by itself.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    public RedisConnection(IOptions<RedisOptions> options, RedisSignIn signIn, ILoggerFactory loggers, TimeProvider time)
    {
        ConfigurationOptions configuration = BuildConfiguration(options.Value.ConfigurationString);
        signIn.Configure(configuration); // before the links copy it: both sign in with the current token
        ILogger logger = loggers.CreateLogger<RedisConnection>();
        Reads = new RedisLink(configuration, "validate", signIn, logger, time, () => Restored?.Invoke());
        Writes = new RedisLink(configuration, "admin", signIn, logger, time, () => Restored?.Invoke());
    }

    /// <summary>Raised after a connection to Redis comes back, so that pending invalidations can be replayed.</summary>
    public event Action? Restored;

    public RedisLink Reads { get; }

    public RedisLink Writes { get; }

    public async ValueTask<IDatabase> GetDatabaseAsync() => (await Reads.GetAsync()).GetDatabase();

    public async ValueTask DisposeAsync()
    {
        await Reads.DisposeAsync();
        await Writes.DisposeAsync();
    }

    internal static ConfigurationOptions BuildConfiguration(string connectionString)
    {
        ConfigurationOptions configuration = ConfigurationOptions.Parse(connectionString);

        // A cache that is down must not stop the service from starting or answering from the table.
        if (!connectionString.Contains("abortConnect", StringComparison.OrdinalIgnoreCase))
        {
            configuration.AbortOnConnectFail = false;
        }

        if (!connectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            configuration.ConnectTimeout = 2000;
        }

        // Validation must not wait on a dead or frozen cache: fail fast while disconnected instead of queueing,
        // and time out quickly; the circuit breaker then keeps calls away until Redis answers again.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        if (!connectionString.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            configuration.AsyncTimeout = 500;
        }

        if (!connectionString.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            configuration.SyncTimeout = 500;
        }

        // INFO (the server's identity, see ServerIdentities) is an "admin" command to the client library; nothing
        // else of that kind is ever sent.
        configuration.AllowAdmin = true;
        configuration.ClientName ??= "blue-token-service";
        return configuration;
    }
}

/// <summary>One multiplexer, with the identities of the servers behind its endpoints.</summary>
internal sealed partial class RedisLink : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _multiplexer;

    public RedisLink(ConfigurationOptions template, string role, RedisSignIn signIn, ILogger logger, TimeProvider time, Action restored)
    {
        Servers = new ServerIdentities(time, logger);
        ConfigurationOptions configuration = template.Clone();
        configuration.ClientName = $"{template.ClientName}/{role}";
        Action<EndPoint, ConnectionType, Socket>? before = template.BeforeSocketConnect;
        configuration.BeforeSocketConnect = (endpoint, type, socket) =>
        {
            Servers.OnConnecting(endpoint, type);
            before?.Invoke(endpoint, type, socket);
        };
        _multiplexer = new Lazy<Task<ConnectionMultiplexer>>(async () =>
        {
            await signIn.SignInAsync();
            ConnectionMultiplexer multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
            multiplexer.ConnectionFailed += (_, e) => LogConnectionFailed(logger, role, e.EndPoint, e.FailureType);
            multiplexer.ConnectionRestored += (_, e) =>
            {
                LogConnectionRestored(logger, role, e.EndPoint);
                restored();
            };
            return multiplexer;
        });
    }

    public ServerIdentities Servers { get; }

    public Task<ConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await _multiplexer.Value.Result.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection ({Role}) to {Endpoint} failed: {FailureType}")]
    private static partial void LogConnectionFailed(ILogger logger, string role, EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection ({Role}) to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, string role, EndPoint? endpoint);
}
