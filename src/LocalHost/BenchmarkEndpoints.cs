using System.Globalization;
using System.Net;
using System.Text;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Tokens;
using BlueTokens.Core.Validation;
using BlueTokens.Functions.Validation;
using StackExchange.Redis;

namespace BlueTokens.LocalHost;

/// <summary>
/// The load benchmark's ceilings, plain Kestrel endpoints beside the functions (mapped only with
/// <c>LocalHost__Benchmark=true</c>; not part of the product): <c>bench/no-io</c> answers a validate-shaped 200 from
/// nothing (the most one process can serve for this request), and <c>bench/bare-redis-get</c> does the one Redis
/// GET of the baseline function without LocalHost's function machinery, so that LocalHost's own cost per request
/// can be read as the ratio of the two one-GET figures. <c>bench/hold-answers?count=N</c> makes this instance hold N
/// distinct valid answers at once, each answered from memory once by the real validate path (judged, rendered, its
/// last use and usage noted), so that the benchmark can read the host's memory at the local answers' worst case
/// (N tokens within one lease) without seeding N clients through Azurite.
/// </summary>
internal static class BenchmarkEndpoints
{
    // The size and headers of validate's 200, so that the ceiling writes what validate writes.
    private static readonly byte[] ValidBody = Encoding.UTF8.GetBytes(
        """{"valid":true,"tenantId":"tenant-0","clientId":"01a2217a5b0cyh36zm1r2t7trhph","clientName":"Client 0","role":"analyst","expiresAt":"2027-03-02T01:00:00Z"}""");

    private static readonly byte[] Found = Encoding.UTF8.GetBytes("""{"found":true}"""), NotFound = Encoding.UTF8.GetBytes("""{"found":false}""");

    public static void MapBenchmarkEndpoints(this WebApplication app, string routePrefix)
    {
        string prefix = string.IsNullOrEmpty(routePrefix) ? "" : "/" + routePrefix;
        app.MapPost($"{prefix}/bench/no-io", (HttpContext context) => WriteAsync(context, ValidBody));
        app.MapPost($"{prefix}/bench/bare-redis-get", async (HttpContext context, RedisConnection redis) =>
        {
            string key = BaselineRedisGet.KeyFor(context.Request.Headers.Authorization);
            IDatabase database = await redis.GetDatabaseAsync();
            RedisValue value = await database.StringGetAsync(key);
            await WriteAsync(context, value.IsNull ? NotFound : Found);
        });
        app.MapPost($"{prefix}/bench/hold-answers", async (HttpContext context, LocalAnswers local, TokenValidator validator, TimeProvider time) =>
        {
            int count = int.TryParse(context.Request.Query["count"], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? Math.Clamp(n, 1, 1_000_000) : 100_000;
            string[] tokens = [.. Enumerable.Range(0, count).Select(_ => AccessToken.Generate())];
            TokenHash[] hashes = [.. tokens.Select(token => AccessToken.HashWellFormed(token))];
            long expires = time.GetUtcNow().AddDays(30).ToUnixTimeMilliseconds();
            var source = ValidationSource.From(IPAddress.Loopback);
            int valid = 0;
            for (int i = 0; i < count; i++)
            {
                // An entry the size of a real one: a tenant id, a 28-character client id, a name and a role.
                var entry = new TokenCacheEntry($"tenant-{i % 100}", i.ToString("D28", CultureInfo.InvariantCulture), $"Client {i}", "analyst", expires, false, false);
                local.Hold(hashes[i], local.LeaseStart(), new CachedToken(CachedTokenKind.Live, entry));
                ValidationResult result = await validator.ValidateAsync(tokens[i], source);
                if (result.IsValid)
                {
                    ValidAnswer.For(result);
                    valid++;
                }
            }

            byte[] body = Encoding.UTF8.GetBytes($$"""{"requested":{{count}},"answeredFromMemory":{{valid}},"heldAtEnd":{{local.Count}}}""");
            await WriteAsync(context, body);
        });
    }

    private static Task WriteAsync(HttpContext context, byte[] body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
