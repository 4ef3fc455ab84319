using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace BlueTokens.Load;

/// <summary>
/// A whole-machine CPU profile of one wrk run (Linux <c>perf</c>, every process, 499 samples/s per core): which
/// process spends the cores (wrk, Redis, Azurite, the host), and in the host which functions. The host must run
/// with <c>DOTNET_PerfMapEnabled=1</c> so that perf can name its JIT-compiled methods.
/// </summary>
internal static class Profile
{
    public static async Task<string> RecordAsync(string directory, string name, int hostPid, Func<Task> load)
    {
        string data = Path.Combine(directory, $"{name}.perf.data");
        using Process perf = Start("perf", "record", "-a", "-g", "-F", "499", "-o", data);
        await Task.Delay(300); // perf is sampling before the load starts
        await load();
        Run("kill", "-INT", perf.Id.ToString(CultureInfo.InvariantCulture));
        await perf.WaitForExitAsync();

        string pid = hostPid.ToString(CultureInfo.InvariantCulture);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"## {name}: CPU by process (share of all samples on all cores, idle included)");
        report.AppendLine(ByProcess(data, hostPid));
        report.AppendLine(CultureInfo.InvariantCulture, $"## {name}: the host's samples by where the code lives (kernel, JIT-compiled .NET, runtime, libraries)");
        report.AppendLine(Top(Run("perf", "report", "-i", data, "--pid", pid, "--no-children", "--sort", "dso", "-g", "none", "--stdio"), 8));
        report.AppendLine(CultureInfo.InvariantCulture, $"## {name}: the host's .NET methods by inclusive time (children), top 40");
        report.AppendLine(Top(Managed(Run("perf", "report", "-i", data, "--pid", pid, "--children", "--sort", "sym", "-g", "none", "--percent-limit", "0.3", "--stdio")), 40));
        report.AppendLine(CultureInfo.InvariantCulture, $"## {name}: the host's functions by self time, top 30");
        report.AppendLine(Top(Run("perf", "report", "-i", data, "--pid", pid, "--no-children", "--sort", "sym", "-g", "none", "--percent-limit", "0.2", "--stdio"), 30));
        string path = Path.Combine(directory, $"{name}.profile.txt");
        await File.WriteAllTextAsync(path, report.ToString());
        return path;
    }

    /// <summary>Samples per process, named from the command line of the process (or "idle" for the swapper).</summary>
    private static string ByProcess(string data, int hostPid)
    {
        var samples = new Dictionary<string, int>();
        int total = 0;
        foreach (string line in Run("perf", "script", "-i", data, "-F", "pid,comm", "-G").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<comm> <pid>"; a thread's comm may hold spaces (".NET TP Worker").
            string trimmed = line.Trim();
            int space = trimmed.LastIndexOf(' ');
            if (space < 0 || !int.TryParse(trimmed[(space + 1)..], CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string who = Name(pid, hostPid, trimmed[..space].Trim());
            samples[who] = samples.GetValueOrDefault(who) + 1;
            total++;
        }

        var text = new StringBuilder();
        foreach ((string who, int count) in samples.OrderByDescending(pair => pair.Value).Take(8))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {100.0 * count / Math.Max(1, total),5:0.0} %  {who}");
        }

        return text.ToString();
    }

    private static string Name(int pid, int hostPid, string comm)
    {
        if (pid == 0)
        {
            return "idle";
        }

        if (pid == hostPid)
        {
            return "host (LocalHost)";
        }

        string cmdline = $"/proc/{pid}/cmdline";
        string command = File.Exists(cmdline) ? File.ReadAllText(cmdline).Replace('\0', ' ').Trim() : "";
        return command switch
        {
            _ when command.Contains("redis-server", StringComparison.Ordinal) => "redis-server",
            _ when command.Contains("azurite", StringComparison.Ordinal) => "Azurite (node)",
            _ when comm.StartsWith("wrk", StringComparison.Ordinal) => "wrk",
            _ when command.Length > 0 => command.Length > 60 ? command[..60] : command,
            _ => comm,
        };
    }

    // Lines naming a .NET method ("[Assembly] Namespace.Type::Method"), tier suffixes dropped for reading.
    private static string Managed(string report) =>
        string.Join('\n', report.Split('\n').Where(line => line.Contains("::", StringComparison.Ordinal))
            .Select(line => line.Replace("[OptimizedTier1]", "", StringComparison.Ordinal).Replace("instance ", "", StringComparison.Ordinal)));

    private static string Top(string report, int lines) =>
        string.Join('\n', report.Split('\n').Where(line => line.Length > 0 && !line.StartsWith('#')).Take(lines));

    private static Process Start(string file, params string[] arguments)
    {
        Process process = Process.Start(Info(file, arguments))!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }

    private static string Run(string file, params string[] arguments)
    {
        using Process process = Process.Start(Info(file, arguments))!;
        _ = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static ProcessStartInfo Info(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
