namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Real Azurite and a real redis-server for the integration tests, started as processes on free ports (there is
/// no Docker engine here) and stopped at the end. <c>BLUE_TEST_STORAGE</c> and <c>BLUE_TEST_REDIS</c> point the
/// tests at servers that already run instead. A server that cannot start fails the run; nothing is skipped.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    // Azurite's well-known development account: public, documented, and valid only against the emulator.
    private const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly List<ServerProcess> _servers = [];
    private string? _workDirectory;

    public string StorageConnectionString { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    /// <summary>The redis-server these tests started, for fault tests (freeze, stop, restart). Null where one was given.</summary>
    public RedisServer? Redis { get; private set; }

    public async Task InitializeAsync()
    {
        _workDirectory = Directory.CreateTempSubdirectory("blue-tests-").FullName;
        await Task.WhenAll(StartStorageAsync(), StartRedisAsync());
    }

    public async Task DisposeAsync()
    {
        foreach (ServerProcess server in _servers)
        {
            await server.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (_workDirectory is not null)
        {
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A server may still be closing files; the temp folder is cleaned by the OS.
            }
        }
    }

    private async Task StartStorageAsync()
    {
        if (Environment.GetEnvironmentVariable("BLUE_TEST_STORAGE") is { Length: > 0 } given)
        {
            StorageConnectionString = given;
            return;
        }

        string azurite = Path.Combine(RepositoryPaths.Root, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(azurite))
        {
            throw new InvalidOperationException($"Azurite is not installed ({azurite} is missing). Run ./test.sh, which installs it with npm ci.");
        }

        int blob = ServerProcess.FreePort(), queue = ServerProcess.FreePort(), table = ServerProcess.FreePort();
        ServerProcess server = await ServerProcess.StartAsync(
            "Azurite",
            "node",
            [azurite, "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry",
             "--blobPort", $"{blob}", "--queuePort", $"{queue}", "--tablePort", $"{table}"],
            [blob, queue, table],
            TimeSpan.FromSeconds(60));
        lock (_servers)
        {
            _servers.Add(server);
        }

        StorageConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevelopmentAccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    private async Task StartRedisAsync()
    {
        if (Environment.GetEnvironmentVariable("BLUE_TEST_REDIS") is { Length: > 0 } given)
        {
            RedisConnectionString = given;
            return;
        }

        int port = ServerProcess.FreePort();
        Redis = await RedisServer.StartAsync(port, _workDirectory!);
        RedisConnectionString = $"127.0.0.1:{port}";
    }
}

[CollectionDefinition(Name)]
public sealed class StackTests : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
