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
    public RedisConnection(IOptions<RedisOptions> options, ILoggerFactory loggers, TimeProvider time)
    {
        ConfigurationOptions configuration = BuildConfiguration(options.Value.ConnectionString);
        ILogger logger = loggers.CreateLogger<RedisConnection>();
        Reads = new RedisLink(configuration, "validate", logger, time, () => Restored?.Invoke());
        Writes = new RedisLink(configuration, "admin", logger, time, () => Restored?.Invoke());
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
    private int _cluster = -1;

    public RedisLink(ConfigurationOptions template, string role, ILogger logger, TimeProvider time, Action restored)
    {
        Servers = new ServerIdentities(time, logger);
        ConfigurationOptions configuration = template.Clone();
        configuration.ClientName = $"{template.ClientName}/{role}";
        Action<System.Net.EndPoint, ConnectionType, System.Net.Sockets.Socket>? before = template.BeforeSocketConnect;
        configuration.BeforeSocketConnect = (endpoint, type, socket) =>
        {
            Servers.OnConnecting(endpoint, type);
            before?.Invoke(endpoint, type, socket);
        };
        _multiplexer = new Lazy<Task<ConnectionMultiplexer>>(async () =>
        {
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

    /// <summary>
    /// Whether the servers are a Redis Cluster (where a multi-key command must stay in one slot), as the first
    /// connected server says; until one has answered, assumed so (what works on a cluster works on one server).
    /// </summary>
    public bool IsCluster(ConnectionMultiplexer multiplexer)
    {
        int known = Volatile.Read(ref _cluster);
        if (known >= 0)
        {
            return known == 1;
        }

        foreach (IServer server in multiplexer.GetServers())
        {
            if (server.IsConnected)
            {
                bool cluster = server.ServerType == ServerType.Cluster;
                Volatile.Write(ref _cluster, cluster ? 1 : 0);
                return cluster;
            }
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await _multiplexer.Value.Result.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection ({Role}) to {Endpoint} failed: {FailureType}")]
    private static partial void LogConnectionFailed(ILogger logger, string role, System.Net.EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection ({Role}) to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, string role, System.Net.EndPoint? endpoint);
}
