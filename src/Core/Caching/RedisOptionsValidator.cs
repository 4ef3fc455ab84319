using BlueTokens.Core.Configuration;
using StackExchange.Redis;

namespace BlueTokens.Core.Caching;

internal sealed class RedisOptionsValidator : SettingsValidator<RedisOptions>
{
    protected override void Check(RedisOptions options, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            fail("Redis__ConnectionString", "required, a StackExchange.Redis configuration string such as 127.0.0.1:6379.");
            return;
        }

        try
        {
            if (ConfigurationOptions.Parse(options.ConnectionString).EndPoints.Count == 0)
            {
                fail("Redis__ConnectionString", "names no endpoint.");
            }
        }
        catch (ArgumentException)
        {
            // The parser's message may echo a password, so it is not repeated here.
            fail("Redis__ConnectionString", "is not a valid StackExchange.Redis configuration string.");
        }
    }
}
