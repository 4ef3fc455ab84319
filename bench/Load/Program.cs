using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using BlueTokens.Core.Auth;
using BlueTokens.Load;

// The load benchmark (bench/load.sh starts the stack and calls this): seeds clients through the API, then
// drives wrk against POST /api/validate and against the baseline (one Redis GET in the same host), alternating
// runs, in four scenarios: cache hits, misses (Redis flushed before each run), junk tokens, Redis stopped.
// Prints a human table and, last, one JSON line.
var options = Options.Parse(args);
using var http = new HttpClient { BaseAddress = new Uri(options.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
string work = Directory.CreateTempSubdirectory("blue-load-").FullName;
var auth = new AuthOptions { Issuer = options.Issuer, Audience = options.Audience, SigningKey = options.SigningKey };

Console.Error.WriteLine($"Seeding {options.Clients} clients over {options.Tenants} tenants...");
Stopwatch seeding = Stopwatch.StartNew();
SeededClient[] clients = await ManagementBenchmark.SeedAsync(http, auth, options.Clients, options.Tenants);
Console.Error.WriteLine($"Seeded in {seeding.Elapsed.TotalSeconds:0.0} s");
string tokensFile = Path.Combine(work, "tokens.txt");
await File.WriteAllLinesAsync(tokensFile, clients.Select(client => client.Token));
string junkFile = Path.Combine(work, "junk.txt");
await File.WriteAllLinesAsync(junkFile, Enumerable.Range(0, 1000).Select(i => $"blue_junk{i:D34}"));

var results = new List<Scenario>();
var profiles = new List<string>();
await Redis(options, "FLUSHALL");
await WarmAsync(options, tokensFile);

// Tiered compilation keeps optimising the host for a while: let both endpoints run hot before any figure counts.
Console.Error.WriteLine("Warming the host (not measured)...");
for (int i = 0; i < 2; i++)
{
    foreach (string target in options.Targets)
    {
        await WrkAsync(options, target, tokensFile, 5, options.Connections, 0);
    }
}

if (options.Wants("hit"))
{
    results.Add(await CompareAsync(options, "hit", tokensFile, before: null));
}

// The local answers against the ceiling of the process (no I/O at all), on and off; LocalHost's own cost.
if (options.Wants("ceiling"))
{
    results.Add(await CompareAsync(options, "ceiling", tokensFile, before: null, against: "noio"));
    if (options.BaseUrlOff is not null)
    {
        results.Add(await CompareAsync(options, "hit-local-off", tokensFile, before: null, target: "validate-off"));
        results.Add(await CompareAsync(options, "ceiling-local-off", tokensFile, before: null, target: "validate-off", against: "noio"));
    }

    results.Add(await CompareAsync(options, "localhost-cost", tokensFile, before: null, target: "baseline", against: "bare-get"));
}

if (options.Wants("hit-half-load"))
{
    results.AddRange(await HalfLoadAsync(options, tokensFile, results.FirstOrDefault(s => s.Name == "hit")));
}

if (options.Profile is { } profileDirectory)
{
    // One more hit run of each, under a whole-machine profile: where the cores go, and what validate adds to the
    // one-GET function and to the ceiling.
    Directory.CreateDirectory(profileDirectory);
    foreach (string target in new[] { "baseline", "noio", "validate" })
    {
        profiles.Add(await Profile.RecordAsync(profileDirectory, target, options.HostPid,
            () => WrkAsync(options, target, tokensFile, options.Duration, options.Connections, 0)));
    }
}

if (options.Wants("junk"))
{
    results.Add(await CompareAsync(options, "junk", junkFile, before: null));
}

if (options.Wants("miss"))
{
    results.Add(await CompareAsync(options, "miss", tokensFile, before: () => Redis(options, "FLUSHALL")));
}

if (options.Wants("redis-stopped"))
{
    await Redis(options, "SHUTDOWN NOSAVE");
    await Task.Delay(500);
    Run down = await WrkAsync(options, "validate", tokensFile, options.Duration, options.Connections, 0);
    results.Add(new Scenario("redis-stopped", down, null));
    await RestartRedisAsync(options);
}

// Last: regenerate and disable change the seeded clients that the validate scenarios use.
var management = new List<ManagementRun>();
if (options.Wants("management"))
{
    Console.Error.WriteLine($"Management, {options.ManagementConcurrency} concurrent requests:");
    management.AddRange(await ManagementBenchmark.RunAsync(http, auth, clients, options.ManagementConcurrency, options.Duration));
}

if (options.Wants("revocation-latency"))
{
    Console.Error.WriteLine("Revocation latency, one disable at a time:");
    management.AddRange(await ManagementBenchmark.RevocationLatencyAsync(http, auth, [.. options.ReplicaPorts.Select(RedisPid).Where(pid => pid > 0)], 30));
}

// Last of all: the local answers' worst case, as many distinct valid tokens held at once as the capacity allows
// (100,000 by default), each answered from memory once; the host's peak memory below then includes it.
string? held = null;
if (options.Wants("memory"))
{
    Console.Error.WriteLine($"Holding {options.Answers} answers at once...");
    using HttpResponseMessage holding = await http.PostAsync($"/api/bench/hold-answers?count={options.Answers}", null);
    held = await holding.EnsureSuccessStatusCode().Content.ReadAsStringAsync();
    Console.Error.WriteLine($"  {held}");
}

long peakKb = PeakMemoryKb(options.HostPid);
Console.WriteLine();
// CPU µs per request (host; Redis) tells what each answer costs, which varies less than throughput on a shared machine.
Console.WriteLine($"{"scenario",-16}{"validate rps",14}{"p50 ms",9}{"p99 ms",9}{"cpu µs",13}{"baseline rps",14}{"p50 ms",9}{"p99 ms",9}{"cpu µs",13}{"ratio",8}");
foreach (Scenario s in results)
{
    Console.WriteLine($"{s.Name + (s.Target == "validate" && s.Against == "baseline" ? "" : $" ({s.Target}/{s.Against})"),-16}{s.Validate.Rps,14:0}{s.Validate.P50Ms,9:0.00}{s.Validate.P99Ms,9:0.00}{Cpu(s.Validate),13}" +
        (s.Baseline is { } b ? $"{b.Rps,14:0}{b.P50Ms,9:0.00}{b.P99Ms,9:0.00}{Cpu(b),13}{s.Validate.Rps / b.Rps,8:0.00}" : ""));
}

foreach (ManagementRun m in management)
{
    Console.WriteLine($"{m.Operation,-16}{m.Rps,14:0.0}{m.P50Ms,9:0.00}{m.P99Ms,9:0.00}   (management, {m.Concurrency} concurrent, {m.Failures} failed)");
}

foreach (string profile in profiles)
{
    Console.WriteLine($"profile: {profile}");
}

Console.WriteLine($"host peak memory: {peakKb / 1024.0:0} MiB{(held is null ? "" : $" (with {options.Answers} answers held at once: {held})")}; machine: {Environment.ProcessorCount} cores, {RuntimeDescription()}");
Console.WriteLine(JsonSerializer.Serialize(new
{
    benchmark = "load",
    clients = options.Clients,
    durationSeconds = options.Duration,
    connections = options.Connections,
    hostPeakMemoryMiB = Math.Round(peakKb / 1024.0),
    heldAnswers = held is null ? null : JsonDocument.Parse(held).RootElement.Clone() as JsonElement?,
    scenarios = results.Select(s => new
    {
        name = s.Name,
        target = s.Target,
        against = s.Against,
        validate = s.Validate,
        baseline = s.Baseline,
        ratio = s.Baseline is { } b ? Math.Round(s.Validate.Rps / b.Rps, 3) : (double?)null,
    }),
    management,
}));
Directory.Delete(work, recursive: true);
return 0;

// One validate of every token, so that the hit scenarios measure hits only.
static async Task WarmAsync(Options options, string tokensFile)
{
    using var http = new HttpClient { BaseAddress = new Uri(options.BaseUrl) };
    string[] tokens = await File.ReadAllLinesAsync(tokensFile);
    int next = -1;
    await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < tokens.Length)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/validate");
            request.Headers.Authorization = new("Bearer", tokens[i]);
            using HttpResponseMessage response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
    }));
}

static async Task<Scenario> CompareAsync(Options options, string name, string file, Func<Task>? before, string target = "validate", string against = "baseline")
{
    var validate = new List<Run>();
    var baseline = new List<Run>();
    for (int round = 0; round < options.Rounds; round++)
    {
        if (before is not null)
        {
            await before();
        }

        baseline.Add(await WrkAsync(options, against, file, options.Duration, options.Connections, 0));
        if (before is not null)
        {
            await before();
        }

        validate.Add(await WrkAsync(options, target, file, options.Duration, options.Connections, 0));
    }

    return new Scenario(name, Median(validate), Median(baseline), target, against);
}

// Latency at half of the baseline's throughput: each connection paced by wrk's delay().
static async Task<Scenario[]> HalfLoadAsync(Options options, string tokensFile, Scenario? full)
{
    // Half of the baseline's throughput as just measured, or of a fresh baseline run when "hit" was skipped.
    double target = (full?.Baseline ?? await WrkAsync(options, "baseline", tokensFile, options.Duration, options.Connections, 0)).Rps / 2;
    const int delayMs = 10;
    int connections = Math.Max(1, (int)Math.Round(target * delayMs / 1000));
    Run validate = await WrkAsync(options, "validate", tokensFile, options.Duration, connections, delayMs);
    Run baseline = await WrkAsync(options, "baseline", tokensFile, options.Duration, connections, delayMs);
    Run ceiling = await WrkAsync(options, "noio", tokensFile, options.Duration, connections, delayMs);
    return [new Scenario("hit-half-load", validate, baseline), new Scenario("ceiling-half-load", validate, ceiling, "validate", "noio")];
}

static async Task<Run> WrkAsync(Options options, string target, string file, int seconds, int connections, int delayMs)
{
    (string baseUrl, string path, int hostPid) = target switch
    {
        "baseline" => (options.BaseUrl, "/api/bench/redis-get", options.HostPid),
        "noio" => (options.BaseUrl, "/api/bench/no-io", options.HostPid),
        "bare-get" => (options.BaseUrl, "/api/bench/bare-redis-get", options.HostPid),
        "validate-off" => (options.BaseUrlOff ?? throw new ArgumentException("validate-off needs --base-url-off"), "/api/validate", options.HostPidOff),
        _ => (options.BaseUrl, "/api/validate", options.HostPid),
    };
    string url = baseUrl.TrimEnd('/') + path;
    var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (string argument in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "-s", options.Script, url })
    {
        info.ArgumentList.Add(argument);
    }

    info.Environment["TOKENS"] = file;
    info.Environment["DELAY_MS"] = delayMs.ToString(CultureInfo.InvariantCulture);
    int[] redisPids = [.. options.RedisPorts.Select(RedisPid)];
    TimeSpan hostCpu = CpuTime(hostPid), redisCpu = CpuTimeOfAll(redisPids);
    long gets = await RedisGetsAsync(options);
    using Process wrk = Process.Start(info)!;
    string output = await wrk.StandardOutput.ReadToEndAsync();
    await wrk.WaitForExitAsync();
    Run run = Run.Parse(output);
    run = run with
    {
        HostCpuUs = PerRequest(CpuTime(hostPid) - hostCpu, run.Requests),
        RedisCpuUs = PerRequest(CpuTimeOfAll(redisPids) - redisCpu, run.Requests),
        RedisGetsPerRequest = run.Requests == 0 ? 0 : Math.Round((double)(await RedisGetsAsync(options) - gets) / run.Requests, 3),
    };
    Console.Error.WriteLine($"  {target,-9} c={connections,-3} delay={delayMs}ms: {run.Rps:0} rps, p50 {run.P50Ms:0.00} ms, p99 {run.P99Ms:0.00} ms, " +
        $"CPU per request: host {run.HostCpuUs:0.0} µs, Redis {run.RedisCpuUs:0.0} µs, Redis GETs per request {run.RedisGetsPerRequest:0.000}, non-2xx {run.Non2xx}");
    return run;
}

static string Cpu(Run run) => FormattableString.Invariant($"{run.HostCpuUs:0.0}; {run.RedisCpuUs:0.0}");

static double PerRequest(TimeSpan cpu, long requests) => requests == 0 ? 0 : Math.Round(cpu.TotalMicroseconds / requests, 1);

// CPU time of every redis-server of the benchmark (a cluster's six nodes), so far.
static TimeSpan CpuTimeOfAll(int[] pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + CpuTime(pid));

// User plus system CPU time of a process so far, from /proc (clock ticks of 10 ms): zero when it is gone.
static TimeSpan CpuTime(int pid)
{
    string stat = $"/proc/{pid}/stat";
    if (pid <= 0 || !File.Exists(stat))
    {
        return TimeSpan.Zero;
    }

    string text = File.ReadAllText(stat);
    string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) "
    long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    return TimeSpan.FromSeconds(ticks / 100.0);
}

// The redis-server serving a port (it changes when the Redis-stopped scenario restarts it).
static int RedisPid(int port)
{
    foreach (string dir in Directory.EnumerateDirectories("/proc"))
    {
        string cmdline = Path.Combine(dir, "cmdline");
        if (int.TryParse(Path.GetFileName(dir), out int pid) && File.Exists(cmdline)
            && File.ReadAllText(cmdline).Replace('\0', ' ') is { } command
            && command.StartsWith("redis-server", StringComparison.Ordinal)
            && command.Contains($":{port}", StringComparison.Ordinal))
        {
            return pid;
        }
    }

    return 0;
}

// GETs served so far by every primary: a validate the local answers do not give costs exactly one.
static async Task<long> RedisGetsAsync(Options options)
{
    long total = 0;
    foreach (int port in options.RedisPorts.Except(options.ReplicaPorts))
    {
        Match get = Regex.Match(await RedisCliAsync(port, "INFO commandstats"), @"cmdstat_get:calls=(\d+)");
        total += get.Success ? long.Parse(get.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    return total;
}

static Run Median(List<Run> runs) => runs.OrderBy(run => run.Rps).ElementAt(runs.Count / 2);

// On every server (a cluster's replicas refuse a FLUSHALL; their primaries' reaches them).
static async Task Redis(Options options, string command)
{
    foreach (int port in options.RedisPorts)
    {
        await RedisCliAsync(port, command);
    }
}

// One redis-cli command on one server; its output.
static async Task<string> RedisCliAsync(int port, string command)
{
    var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
    info.ArgumentList.Add("-p");
    info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
    foreach (string part in command.Split(' '))
    {
        info.ArgumentList.Add(part);
    }

    using Process cli = Process.Start(info)!;
    string output = await cli.StandardOutput.ReadToEndAsync();
    await cli.WaitForExitAsync();
    return output;
}

static async Task RestartRedisAsync(Options options)
{
    var info = new ProcessStartInfo("bash", ["-c", options.RedisRestart]);
    using Process restart = Process.Start(info)!;
    await restart.WaitForExitAsync();
}

static long PeakMemoryKb(int pid)
{
    string status = $"/proc/{pid}/status";
    if (pid <= 0 || !File.Exists(status))
    {
        return 0;
    }

    string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null ? 0 : long.Parse(Regex.Match(line, @"\d+").Value, CultureInfo.InvariantCulture);
}

static string RuntimeDescription() => RuntimeInformation.FrameworkDescription;

internal sealed record Scenario(string Name, Run Validate, Run? Baseline, string Target = "validate", string Against = "baseline");

internal sealed record Run(double Rps, double P50Ms, double P99Ms, long Requests, long Non2xx, double HostCpuUs = 0, double RedisCpuUs = 0, double RedisGetsPerRequest = 0)
{
    public static Run Parse(string wrk)
    {
        double rps = double.Parse(Regex.Match(wrk, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        long requests = long.Parse(Regex.Match(wrk, @"(\d+) requests in").Groups[1].Value, CultureInfo.InvariantCulture);
        Match non2xx = Regex.Match(wrk, @"Non-2xx or 3xx responses:\s+(\d+)");
        return new Run(rps, Percentile(wrk, "50"), Percentile(wrk, "99"), requests,
            non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double Percentile(string wrk, string percent)
    {
        Match match = Regex.Match(wrk, $@"\s{percent}%\s+([\d.]+)(us|ms|s)");
        double value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
    }
}

internal sealed record Options(string BaseUrl, int Clients, int Tenants, int Duration, int Connections, int Rounds, string Script,
    int RedisPort, string RedisRestart, int HostPid, string Issuer, string Audience, string SigningKey,
    string[] Scenarios, string? Profile, int ManagementConcurrency, int[] RedisPorts, int[] ReplicaPorts)
{
    public static readonly string[] AllScenarios = ["hit", "ceiling", "hit-half-load", "junk", "miss", "redis-stopped", "management", "revocation-latency", "memory"];

    /// <summary>A second host over the same store with the local answers off (<c>Cache__LocalLease=00:00:00</c>).</summary>
    public string? BaseUrlOff { get; init; }

    public int HostPidOff { get; init; }

    public string[] Targets => BaseUrlOff is null ? ["baseline", "noio", "bare-get", "validate"] : ["baseline", "noio", "bare-get", "validate", "validate-off"];

    /// <summary>How many answers the <c>memory</c> scenario holds at once (the default <c>Cache__LocalCapacity</c>).</summary>
    public int Answers { get; init; } = 100_000;

    public bool Wants(string scenario) => Scenarios.Contains(scenario);

    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(
            Get("base-url", "http://127.0.0.1:7090"), Int("clients", 10_000), Int("tenants", 100), Int("duration", 10), Int("connections", 32),
            Int("rounds", 2), Get("script", "bench/validate.lua"), Int("redis-port", 16390), Get("redis-restart", "true"), Int("host-pid", 0),
            Get("issuer", ""), Get("audience", ""), Get("signing-key", ""),
            ScenarioList(Get("scenarios", string.Join(',', AllScenarios))), values.GetValueOrDefault("profile"), Int("management-concurrency", 8),
            Ports(Get("redis-ports", Get("redis-port", "16390"))), Ports(Get("replica-ports", "")))
        {
            BaseUrlOff = values.GetValueOrDefault("base-url-off"),
            HostPidOff = Int("host-pid-off", 0),
            Answers = Int("answers", 100_000),
        };
    }

    private static int[] Ports(string list) =>
        [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(port => int.Parse(port, CultureInfo.InvariantCulture))];

    private static string[] ScenarioList(string list)
    {
        string[] names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] unknown = names.Except(AllScenarios).ToArray();
        return unknown.Length == 0
            ? names
            : throw new ArgumentException($"Unknown scenario(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllScenarios)}.");
    }
}
