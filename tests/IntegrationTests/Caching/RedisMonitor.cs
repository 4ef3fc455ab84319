using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace BlueTokens.IntegrationTests.Caching;

/// <summary>A command as MONITOR reports it: when the server ran it (Unix seconds), for which client address.</summary>
internal sealed record MonitoredCommand(DateTimeOffset At, string Client, string Command);

/// <summary>
/// The server's MONITOR feed on a raw connection (StackExchange.Redis does not speak MONITOR): every command every
/// client sends, with the client's address. The server itself redacts the arguments of AUTH.
/// </summary>
internal sealed partial class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly ConcurrentQueue<MonitoredCommand> _commands = new();
    private readonly Task _reading;

    private RedisMonitor(TcpClient client, StreamReader reader)
    {
        _client = client;
        _reading = ReadAsync(reader);
    }

    public IReadOnlyList<MonitoredCommand> Commands => [.. _commands];

    public static async Task<RedisMonitor> StartAsync(int port, string user, string password)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        NetworkStream stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.UTF8);
        foreach (string command in new[] { $"AUTH {user} {password}", "MONITOR" })
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"));
            string? answer = await reader.ReadLineAsync();
            if (answer != "+OK")
            {
                client.Dispose();
                throw new InvalidOperationException($"{command.Split(' ')[0]} answered {answer}");
            }
        }

        return new RedisMonitor(client, reader);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _reading;
    }

    private async Task ReadAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                Match match = Line().Match(line);
                if (match.Success)
                {
                    double seconds = double.Parse(match.Groups["at"].Value, CultureInfo.InvariantCulture);
                    _commands.Enqueue(new MonitoredCommand(
                        DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)), match.Groups["client"].Value, match.Groups["command"].Value));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Closed by DisposeAsync.
        }
    }

    // +1796165426.755991 [0 127.0.0.1:56834] "AUTH" "(redacted)" "(redacted)"
    [GeneratedRegex("""^\+(?<at>\d+\.\d+) \[\d+ (?<client>[^\]]+)\] "(?<command>[^"]+)"(?: .*)?$""")]
    private static partial Regex Line();
}
