using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

/// <summary>
/// The one shared <see cref="ConnectionMultiplexer"/> of the process. It connects on first use, never fails
/// start-up when Redis is down (Redis is a cache; Table Storage is the truth) and reconnects by itself.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _multiplexer;

    public RedisConnection(IOptions<RedisOptions> options, RedisSignIn signIn, ILogger<RedisConnection> logger)
    {
        ConfigurationOptions configuration = BuildConfiguration(options.Value.ConfigurationString);
        signIn.Configure(configuration);
        _multiplexer = new Lazy<Task<ConnectionMultiplexer>>(async () =>
        {
            await signIn.SignInAsync();
            ConnectionMultiplexer multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
            multiplexer.ConnectionFailed += (_, e) =>
                LogConnectionFailed(logger, e.EndPoint, e.FailureType);
            multiplexer.ConnectionRestored += (_, e) =>
            {
                LogConnectionRestored(logger, e.EndPoint);
                Restored?.Invoke();
            };
            return multiplexer;
        });
    }

    /// <summary>Raised after a connection to Redis comes back, so that pending invalidations can be replayed.</summary>
    public event Action? Restored;

    public async ValueTask<IDatabase> GetDatabaseAsync()
    {
        ConnectionMultiplexer multiplexer = await _multiplexer.Value;
        return multiplexer.GetDatabase();
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated && _multiplexer.Value.IsCompletedSuccessfully)
        {
            await _multiplexer.Value.Result.DisposeAsync();
        }
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

        configuration.ClientName ??= "blue-token-service";
        return configuration;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection to {Endpoint} failed: {FailureType}")]
    private static partial void LogConnectionFailed(ILogger logger, System.Net.EndPoint? endpoint, ConnectionFailureType failureType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, System.Net.EndPoint? endpoint);
}
