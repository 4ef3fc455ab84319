using System.Text;
using BlueTokens.Core.Caching;
using StackExchange.Redis;

namespace BlueTokens.LocalHost;

/// <summary>
/// The load benchmark's ceilings, plain Kestrel endpoints beside the functions (mapped only with
/// <c>LocalHost__Benchmark=true</c>; not part of the product): <c>bench/no-io</c> answers a validate-shaped 200 from
/// nothing (the most one process can serve for this request), and <c>bench/bare-redis-get</c> does the one Redis
/// GET of the baseline function without LocalHost's function machinery, so that LocalHost's own cost per request
/// can be read as the ratio of the two one-GET figures.
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
