using System.Diagnostics;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// The tests' own redis-server, with the faults the cache must survive: frozen (SIGSTOP: connected but silent,
/// like a partition), stopped, and started again on the same port. Fault tests must leave it running.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly int _port;
    private readonly string _directory;
    private readonly IReadOnlyList<string> _extraArguments;
    private ServerProcess? _process;

    private RedisServer(int port, string directory, IReadOnlyList<string> extraArguments)
    {
        _port = port;
        _directory = directory;
        _extraArguments = extraArguments;
    }

    public int Port => _port;

    /// <param name="extraArguments">More redis-server options (e.g. <c>--replicaof</c>), kept for every restart.</param>
    public static async Task<RedisServer> StartAsync(int port, string directory, IReadOnlyList<string>? extraArguments = null)
    {
        var server = new RedisServer(port, directory, extraArguments ?? []);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        _process = await ServerProcess.StartAsync(
            "redis-server",
            Environment.GetEnvironmentVariable("BLUE_REDIS_SERVER") ?? "redis-server",
            ["--port", $"{_port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory, .. _extraArguments],
            [_port],
            TimeSpan.FromSeconds(15));
    }

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public void Freeze() => Signal("-STOP");

    public void Thaw() => Signal("-CONT");

    public async ValueTask DisposeAsync()
    {
        Thaw();
        await StopAsync();
    }

    private void Signal(string signal)
    {
        if (_process is null)
        {
            return;
        }

        using Process kill = Process.Start("kill", [signal, $"{_process.Id}"]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {_process.Id} failed with {kill.ExitCode}");
        }
    }
}
