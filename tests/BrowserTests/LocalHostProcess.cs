using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.BrowserTests;

/// <summary>
/// The real LocalHost, started as <c>./run.sh</c> starts it (<c>dotnet BlueTokens.LocalHost.dll --port N --tenant T
/// --settings local.settings.sample.json</c>) on a free port, over the fixture's Azurite and redis-server, which
/// environment variables name (they win over the settings file, as the README says). It prints the page's
/// sign-in link; the test opens that link, as a newcomer would.
/// </summary>
internal sealed partial class LocalHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _link;
    private string? _jwt;

    private LocalHostProcess(Process process, int port)
    {
        _process = process;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    /// <summary><c>http://127.0.0.1:{port}</c>, without the route prefix.</summary>
    public string BaseUrl { get; }

    /// <summary>The link LocalHost printed: the page, with a development admin JWT in the fragment.</summary>
    public string SignInLink => _link ?? throw new InvalidOperationException($"LocalHost printed no sign-in link (no development signing key?): {Output}");

    /// <summary>The development admin JWT LocalHost printed (<c>export BLUE_JWT=…</c>), in a local run or not.</summary>
    public string Jwt => _jwt ?? throw new InvalidOperationException($"LocalHost printed no development JWT (no signing key?): {Output}");

    /// <param name="port">A port chosen beforehand (a redirect URI registered before the start names it); null for any free one.</param>
    /// <param name="settings">Settings that win over local.settings.sample.json, as environment variables do.</param>
    public static async Task<LocalHostProcess> StartAsync(
        StackFixture stack, string tenant, TimeSpan timeout, int? port = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        string dll = Path.Combine(RepositoryPaths.Root, "src", "LocalHost", "bin", configuration, "net10.0", "BlueTokens.LocalHost.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build tests/BrowserTests (it builds src/LocalHost) first.");
        }

        int listen = port ?? ServerProcess.FreePort();
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (string argument in new[]
                 {
                     dll, "--port", $"{listen}", "--tenant", tenant,
                     "--settings", Path.Combine(RepositoryPaths.Root, "local.settings.sample.json"),
                 })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        info.Environment["TokenStorage"] = stack.StorageConnectionString;
        info.Environment["Redis__ConnectionString"] = stack.RedisConnectionString;
        info.Environment["LocalHost__DisableTimers"] = "true";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach ((string name, string value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("LocalHost did not start.");
        var localHost = new LocalHostProcess(process, listen);
        process.OutputDataReceived += (_, e) => localHost.Read(e.Data);
        process.ErrorDataReceived += (_, e) => localHost.Read(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => localHost._ready.TrySetException(
            new InvalidOperationException($"LocalHost exited with code {process.ExitCode} before it was ready: {localHost.Output}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await localHost._ready.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            await localHost.DisposeAsync();
            throw new TimeoutException($"LocalHost was not ready within {timeout.TotalSeconds} s: {localHost.Output}");
        }
        catch
        {
            await localHost.DisposeAsync();
            throw;
        }

        return localHost;
    }

    /// <summary>The last lines LocalHost wrote, for failure messages.</summary>
    public string Output => string.Join(" | ", _output);

    public async ValueTask DisposeAsync()
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

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 40 && _output.TryDequeue(out _))
        {
        }

        if (PageLink().Match(line) is { Success: true } match)
        {
            _link = match.Value;
        }

        if (ExportedJwt().Match(line) is { Success: true } exported)
        {
            _jwt = exported.Groups["jwt"].Value;
        }

        if (line.Contains("Press Ctrl-C to stop.", StringComparison.Ordinal))
        {
            _ready.TrySetResult(); // the last line of the welcome, after the link
        }
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/api/ui/#token=[A-Za-z0-9_.-]+", RegexOptions.CultureInvariant)]
    private static partial Regex PageLink();

    [GeneratedRegex(@"export BLUE_JWT=(?<jwt>[A-Za-z0-9_.-]+)", RegexOptions.CultureInvariant)]
    private static partial Regex ExportedJwt();
}
