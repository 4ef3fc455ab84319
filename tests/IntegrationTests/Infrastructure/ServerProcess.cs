using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>A server the tests start (Azurite, redis-server): started, awaited until it listens, and killed at the end.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process, string name)
    {
        _process = process;
        _name = name;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
    }

    public int Id => _process.Id;

    public static async Task<ServerProcess> StartAsync(string name, string fileName, IEnumerable<string> arguments, IReadOnlyList<int> ports, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{name} could not be started from '{fileName}': {e.Message}. Run ./test.sh, which installs it.", e);
        }

        var server = new ServerProcess(process, name);
        process.OutputDataReceived += (_, e) => server.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => server.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        foreach (int port in ports)
        {
            await server.WaitForPortAsync(port, timeout);
        }

        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromMilliseconds(500));
            return true;
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await IsListeningAsync(port))
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"{_name} exited with code {_process.ExitCode} before it listened on {port}: {string.Join(" | ", _output)}");
            }

            if (clock.Elapsed > timeout)
            {
                Kill();
                throw new TimeoutException($"{_name} did not listen on 127.0.0.1:{port} within {timeout.TotalSeconds} s.");
            }

            await Task.Delay(50);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 20 && _output.TryDequeue(out _))
        {
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
