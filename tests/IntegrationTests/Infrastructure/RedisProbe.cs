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

    public static string TokenKey(string token) => $"blue:{{{TokenHash(token)[..3]}}}:tok:{TokenHash(token)}";

    /// <summary>The generation key of the token's bucket (the fence of its fills).</summary>
    public static string GenerationKey(string token) => $"blue:{{{TokenHash(token)[..3]}}}:gen";

    public static string TokenHash(string token) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)));

    /// <summary>The cluster hash slot of a key (its hash tag's, where it has one).</summary>
    public int Slot(string key) => _multiplexer.HashSlot(key);

    public Task<RedisValue> GetAsync(string key) => Database.StringGetAsync(key);

    public Task<bool> DeleteAsync(string key) => Database.KeyDeleteAsync(key);

    public Task FlushAllAsync() => Server.FlushAllDatabasesAsync();

    /// <summary>Calls per command (scripts' inner commands included) since the server started, INFO itself left out.</summary>
    public async Task<Dictionary<string, long>> CommandCountsAsync()
    {
        // Plain INFO leaves out commandstats: ask for the section by name.
        IGrouping<string, KeyValuePair<string, string>>[] commands = await Server.InfoAsync("commandstats");
        return commands.SelectMany(g => g)
            .Where(pair => pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal) && pair.Key != "cmdstat_info")
            .ToDictionary(
                pair => pair.Key["cmdstat_".Length..],
                pair => long.Parse(pair.Value.Split(',')[0].Split('=').Last(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What ran between two readings of <see cref="CommandCountsAsync"/>, as "command=calls", sorted.</summary>
    public static string[] Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Select(pair => (pair.Key, Calls: pair.Value - before.GetValueOrDefault(pair.Key)))
            .Where(pair => pair.Calls > 0)
            .Select(pair => $"{pair.Key}={pair.Calls}")
            .Order(StringComparer.Ordinal)
            .ToArray();

    public ValueTask DisposeAsync() => _multiplexer.DisposeAsync();

    private IServer Server => _multiplexer.GetServer(_multiplexer.GetEndPoints()[0]);
}
