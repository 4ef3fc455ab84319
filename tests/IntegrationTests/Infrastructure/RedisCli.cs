using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// redis-cli, one process per call (about 10 ms). The topology kits speak to nodes through it rather than through
/// StackExchange.Redis because it reaches exactly the node named: no slot routing, no cached view of roles (a
/// multiplexer refuses FLUSHALL to a node it last saw as a replica, even after a failover made it primary), and
/// no connection handshake adding to the <c>INFO errorstats</c> that tests read. The cluster tooling
/// (<c>--cluster create</c>, <c>--cluster reshard</c>) is redis-cli anyway.
/// </summary>
internal static class RedisCli
{
    private static readonly string FileName = Environment.GetEnvironmentVariable("BLUE_REDIS_CLI") ?? "redis-cli";

    /// <summary>A frozen node accepts the connection and never answers; no command should wait longer than this.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs one command on one node and returns its raw reply. An error reply throws, with its text.</summary>
    public static async Task<string> CommandAsync(int port, IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        // -e: an error reply exits 1 (and goes to stderr) instead of printing like any other string.
        Result result = await RunAsync(["-h", "127.0.0.1", "-p", $"{port}", "-e", .. command], CommandTimeout, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} on 127.0.0.1:{port}: {result.Describe()}");
        }

        // redis-cli ends every reply with a newline of its own.
        return result.Output.EndsWith('\n') ? result.Output[..^1] : result.Output;
    }

    /// <param name="onLine">Called with each line of standard output as it comes, for progress of long runs.</param>
    public static async Task<Result> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, Action<string>? onLine, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(FileName)
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
            process = Process.Start(info) ?? throw new InvalidOperationException("redis-cli did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"redis-cli could not be started from '{FileName}': {e.Message}. Run ./test.sh, which installs it.", e);
        }

        using (process)
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(timeout);
            try
            {
                Task<string> output = onLine is null
                    ? process.StandardOutput.ReadToEndAsync(deadline.Token)
                    : ReadLinesAsync(process.StandardOutput, onLine, deadline.Token);
                Task<string> error = process.StandardError.ReadToEndAsync(deadline.Token);
                await process.WaitForExitAsync(deadline.Token);
                return new Result(process.ExitCode, await output, await error);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s.");
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
            }
        }
    }

    /// <summary>The <c>name:value</c> lines of an INFO reply; section headers and blank lines left out.</summary>
    public static Dictionary<string, string> ParseInfo(string reply)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (!line.StartsWith('#') && colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..];
            }
        }

        return fields;
    }

    private static async Task<string> ReadLinesAsync(StreamReader reader, Action<string> onLine, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            onLine(line);
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        /// <summary>The error and the end of the output, without the colour codes <c>--cluster</c> prints.</summary>
        public string Describe()
        {
            string text = Regex.Replace($"{Error.Trim()} {Tail(Output)}", @"\e\[[0-9;]*m", "");
            return $"exit {ExitCode}: {text.Trim()}";
        }

        private static string Tail(string output) =>
            string.Join(" | ", output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).TakeLast(8));
    }
}
