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

    /// <summary>Scripts run (EVAL and EVALSHA) and GETs (inside scripts too) since the server started.</summary>
    public async Task<(long Scripts, long Gets)> CountersAsync()
    {
        // Plain INFO leaves out commandstats: ask for each section by name.
        IGrouping<string, KeyValuePair<string, string>>[] commands = await Server.InfoAsync("commandstats");
        long Read(string section, string field) => commands
            .SelectMany(g => g)
            .Where(pair => pair.Key == field)
            .Select(pair => long.Parse(pair.Value.Split(',')[0].Split('=').Last(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        long scripts = Read("Commandstats", "cmdstat_evalsha") + Read("Commandstats", "cmdstat_eval");
        return (scripts, Read("Commandstats", "cmdstat_get"));
    }

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();

    private IServer Server => _multiplexer.GetServer(_multiplexer.GetEndPoints()[0]);
}
