namespace BlueTokens.Core.Caching;

/// <summary>
/// The Lua scripts of the cache: the contract between a validate's fill and a management write. Each touches the
/// keys of one slot only (a token's key and its bucket's generation, or one failure budget), so that it runs on a
/// Redis Cluster, and a shard that loses its data loses an entry and the generation that fences it together.
/// </summary>
internal static class CacheScripts
{
    // KEYS: token key, generation key (one slot). ARGV: version, value, ttl ms, mode ('fill' or 'publish'), read
    // time ms (the time sealed into the value), fill deadline ms, the generation the write was sealed under, the
    // longest lifetime ms. -1: the generation is another (read again); 0: an entry as new is there, or the fill is
    // too old; 1: written. An entry written under another generation, or sealed longer ago than any value lives (a
    // copy written back, which no reader believes), counts as absent. The value lives its ttl from its read time,
    // not from when it lands, so that it ends within the longest lifetime of the time sealed into it.
    public const string Put = """
        local generation = redis.call('GET', KEYS[2])
        if generation ~= ARGV[7] then return -1 end
        local version = tonumber(ARGV[1])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local late = math.max(now - tonumber(ARGV[5]), 0)
        if ARGV[4] == 'fill' and late > tonumber(ARGV[6]) then return 0 end
        local current = redis.call('GET', KEYS[1])
        if current then
          local held, under, written = string.match(current, '^(%d+)|([^|]*)|(%d+)|')
          if under == generation and now - tonumber(written) <= tonumber(ARGV[8]) then
            held = tonumber(held)
            if held > version or (held == version and ARGV[4] == 'fill') then return 0 end
          end
        end
        local ttl = tonumber(ARGV[3]) - late
        if ttl <= 0 then
          redis.call('DEL', KEYS[1])
        else
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
        end
        return 1
        """;

    // KEYS: generation key. ARGV: the identity tag of the server, a new generation id. Redis's clock and the
    // bucket's generation in one step; a generation is started where there is none or where it was started on
    // another server, so that every fill presents one and a later emptying or change of server refuses that fill.
    public const string Clock = """
        local t = redis.call('TIME')
        local g = redis.call('GET', KEYS[1])
        if not g or string.sub(g, 1, #ARGV[1] + 1) ~= ARGV[1] .. '-' then
          g = ARGV[1] .. '-' .. ARGV[2]
          redis.call('SET', KEYS[1], g)
        end
        return {t[1], t[2], g}
        """;

    // KEYS: failure key. ARGV: window ms. The window opens with the first failure and is never extended.
    public const string Spend = """
        local spent = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if spent == 1 or ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return {spent, ttl}
        """;

    // KEYS: failure key. The units spent in the source's window and the milliseconds it still runs (-2: none).
    public const string Budget = """
        return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1])}
        """;
}
