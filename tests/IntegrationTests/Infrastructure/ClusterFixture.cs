namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// One <see cref="RedisCluster"/> for every test class of the <see cref="ClusterTests"/> collection, which run one
/// after another. What a test changes stays changed for the next: failovers (roles), reshards (slot counts and
/// ranges), flushes and stats (data, errorstats, commandstats). A class that fails over or reshards calls
/// <see cref="RedisCluster.RestoreAsync"/> when it ends; tests read roles and slots from the topology, never
/// assume them, and use keys of their own. A collection that also needs Azurite lists both fixtures in its own
/// <c>[CollectionDefinition]</c> (<c>ICollectionFixture&lt;StackFixture&gt;, ICollectionFixture&lt;ClusterFixture&gt;</c>).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;

    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync() => _cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "redis-cluster";
}
