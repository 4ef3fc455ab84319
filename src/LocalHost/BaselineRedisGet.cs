using BlueTokens.Core.Caching;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace BlueTokens.LocalHost;

/// <summary>
/// The load benchmark's baseline: an HTTP function that does nothing but one Redis GET and returns a small JSON,
/// served through the same LocalHost pipeline as validate. The key it reads (which does not exist: the cheapest
/// read) is named after the bearer token presented, so that on a Redis Cluster the baseline's reads spread over the
/// shards as validate's do, rather than all landing on the one shard of a fixed key. Mapped only with
/// <c>LocalHost__Benchmark=true</c>; it is not part of the product.
/// </summary>
internal sealed class BaselineRedisGet(RedisConnection redis)
{
    public const string EnableSetting = "LocalHost:Benchmark";

    [Function(nameof(BaselineRedisGet))]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "bench/redis-get")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        string? authorization = request.Headers.Authorization;
        string key = authorization is { Length: > 7 } ? "blue:bench:" + authorization[7..] : "blue:bench:baseline";
        StackExchange.Redis.IDatabase database = await redis.GetDatabaseAsync();
        StackExchange.Redis.RedisValue value = await database.StringGetAsync(key);
        return new JsonResult<BaselineResponse>(StatusCodes.Status200OK, new BaselineResponse(!value.IsNull), BaselineJson.Default.BaselineResponse);
    }
}

internal sealed record BaselineResponse(bool Found);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(BaselineResponse))]
internal sealed partial class BaselineJson : System.Text.Json.Serialization.JsonSerializerContext;
