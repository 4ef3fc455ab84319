using System.Text.Json;
using System.Text.Json.Serialization;
using BlueTokens.Core.Caching;
using BlueTokens.Functions.Http;
using Microsoft.Azure.Functions.Worker;
using StackExchange.Redis;

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

    /// <summary>The key a baseline GET reads: named after the bearer token presented, so reads spread over a cluster's shards.</summary>
    public static string KeyFor(string? authorization) =>
        authorization is { Length: > 7 } ? "blue:bench:" + authorization[7..] : "blue:bench:baseline";

    [Function(nameof(BaselineRedisGet))]
    public async Task<ApiJson<BaselineResponse>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "bench/redis-get")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        string key = KeyFor(request.Headers.Authorization);
        IDatabase database = await redis.GetDatabaseAsync();
        RedisValue value = await database.StringGetAsync(key);
        return ApiJson.Ok(new BaselineResponse(!value.IsNull), BaselineJson.Default.BaselineResponse);
    }
}

internal sealed record BaselineResponse(bool Found);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(BaselineResponse))]
internal sealed partial class BaselineJson : JsonSerializerContext;
