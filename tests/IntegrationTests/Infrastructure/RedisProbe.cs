using StackExchange.Redis;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>The tests' own view of Redis: what a key holds, command counts, FLUSHALL.</summary>
public sealed class RedisProbe : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;

    private RedisProbe(ConnectionMultiplexer multiplexer) => _multiplexer = multiplexer;

    public static async Task<RedisProbe> ConnectAsync(string connectionString) =>
        new(await ConnectionMultiplexer.ConnectAsync($"{connectionString},allowAdmin=true,abortConnect=false"));

    public IDatabase Database => _multiplexer.GetDatabase();

    public static string TokenKey(string token) => $"blue:tok:{TokenHash(token)}";

    public static string TokenHash(string token) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)));

    public Task<RedisValue> GetAsync(string key) => Database.StringGetAsync(key);

    public Task<bool> DeleteAsync(string key) => Database.KeyDeleteAsync(key);

    public Task FlushAllAsync() => Server.FlushAllDatabasesAsync();

    /// <summary>Scripts run (EVAL and EVALSHA) and key lookups (hits plus misses) since the server started.</summary>
    public async Task<(long Scripts, long KeyLookups)> CountersAsync()
    {
        IGrouping<string, KeyValuePair<string, string>>[] info = await Server.InfoAsync();
        long Read(string section, string field) => info.Where(g => g.Key.Equals(section, StringComparison.OrdinalIgnoreCase))
            .SelectMany(g => g)
            .Where(pair => pair.Key == field)
            .Select(pair => long.Parse(pair.Value.Split(',')[0].Split('=').Last(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        long scripts = Read("Commandstats", "cmdstat_evalsha") + Read("Commandstats", "cmdstat_eval");
        long lookups = Read("Stats", "keyspace_hits") + Read("Stats", "keyspace_misses");
        return (scripts, lookups);
    }

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();

    private IServer Server => _multiplexer.GetServer(_multiplexer.GetEndPoints()[0]);
}
