using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BlueTokens.Core.Auth;
using BlueTokens.LocalHost;

namespace BlueTokens.Load;

/// <summary>A client the benchmark created: whose it is, its id and its token.</summary>
internal sealed record SeededClient(string Tenant, string Id, string Token);

/// <summary>Requests/s and latency of one management operation at a fixed concurrency.</summary>
internal sealed record ManagementRun(string Operation, int Concurrency, double Rps, double P50Ms, double P99Ms, int Requests, int Failures);

/// <summary>
/// The management benchmark: create, regenerate and disable through the API at a fixed concurrency, each for a
/// fixed time, against the same stack as validate. Each request is timed from send to the end of its body.
/// Regenerate and disable work through clients nobody else touches in the run, so that each request is a real
/// change (a disable of a disabled client is one read and no write).
/// </summary>
internal static class ManagementBenchmark
{
    public static async Task<IReadOnlyList<ManagementRun>> RunAsync(HttpClient http, AuthOptions auth, IReadOnlyList<SeededClient> clients, int concurrency, int seconds)
    {
        // Two disjoint halves of the seeded clients: one for regenerate, one for disable.
        int half = clients.Count / 2;
        var regenerate = new Queue<SeededClient>(clients.Take(half));
        var disable = new Queue<SeededClient>(clients.Skip(half));
        var runs = new List<ManagementRun>
        {
            await MeasureAsync("create", concurrency, seconds, i =>
            {
                string tenant = $"bench-{i % 100}";
                return Request(auth, tenant, HttpMethod.Post, "api/clients", new { name = $"mgmt-{Guid.NewGuid():N}", role = "analyst" });
            }),
            await MeasureAsync("regenerate", concurrency, seconds, _ => Next(regenerate) is { } c
                ? Request(auth, c.Tenant, HttpMethod.Post, $"api/clients/{c.Id}/token/regenerate", new { gracePeriodMinutes = 60 })
                : null),
            await MeasureAsync("disable", concurrency, seconds, _ => Next(disable) is { } c
                ? Request(auth, c.Tenant, HttpMethod.Post, $"api/clients/{c.Id}/disable", null)
                : null),
        };
        return runs;

        // Clients are handed out once each, under a lock: the queues are shared by the workers.
        static SeededClient? Next(Queue<SeededClient> queue)
        {
            lock (queue)
            {
                return queue.TryDequeue(out SeededClient? client) ? client : null;
            }
        }

        async Task<ManagementRun> MeasureAsync(string operation, int workers, int duration, Func<int, HttpRequestMessage?> next)
        {
            var latencies = new List<double>();
            int failures = 0, counter = -1;
            var clock = Stopwatch.StartNew();
            TimeSpan end = TimeSpan.FromSeconds(duration);
            await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
            {
                while (clock.Elapsed < end && next(Interlocked.Increment(ref counter)) is { } request)
                {
                    using (request)
                    {
                        long start = Stopwatch.GetTimestamp();
                        using HttpResponseMessage response = await http.SendAsync(request);
                        await response.Content.ReadAsByteArrayAsync();
                        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        lock (latencies)
                        {
                            latencies.Add(ms);
                            if (!response.IsSuccessStatusCode)
                            {
                                failures++;
                            }
                        }
                    }
                }
            }));
            double elapsed = clock.Elapsed.TotalSeconds;
            latencies.Sort();
            var run = new ManagementRun(operation, workers, Math.Round(latencies.Count / elapsed, 1),
                Math.Round(Percentile(latencies, 0.50), 2), Math.Round(Percentile(latencies, 0.99), 2), latencies.Count, failures);
            Console.Error.WriteLine($"  {operation,-10} c={workers}: {run.Rps:0.0} rps, p50 {run.P50Ms:0.00} ms, p99 {run.P99Ms:0.00} ms, {run.Requests} requests, {run.Failures} failed");
            return run;
        }
    }

    /// <summary>
    /// The admin's revocation latency, one disable at a time (each a real change) against fresh clients: with the
    /// replicas keeping up, then with every replica stopped (SIGSTOP: connected, silent, as a replica that lags), so
    /// that each disable waits Cache__ReplicaAckTimeout for an acknowledgement that never comes.
    /// </summary>
    public static async Task<IReadOnlyList<ManagementRun>> RevocationLatencyAsync(HttpClient http, AuthOptions auth, IReadOnlyList<int> replicaPids, int count)
    {
        SeededClient[] fresh = await SeedAsync(http, auth, count * 2, 10);
        var runs = new List<ManagementRun> { await DisableEachAsync("disable, replicas in step", fresh[..count]) };
        if (replicaPids.Count > 0)
        {
            Signal(replicaPids, "-STOP");
            try
            {
                runs.Add(await DisableEachAsync("disable, replicas stopped", fresh[count..]));
            }
            finally
            {
                Signal(replicaPids, "-CONT");
            }
        }

        return runs;

        async Task<ManagementRun> DisableEachAsync(string name, IEnumerable<SeededClient> clients)
        {
            var latencies = new List<double>();
            int failures = 0;
            var clock = Stopwatch.StartNew();
            foreach (SeededClient client in clients)
            {
                using HttpRequestMessage request = Request(auth, client.Tenant, HttpMethod.Post, $"api/clients/{client.Id}/disable", null);
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                failures += response.IsSuccessStatusCode ? 0 : 1;
            }

            latencies.Sort();
            var run = new ManagementRun(name, 1, Math.Round(latencies.Count / clock.Elapsed.TotalSeconds, 1),
                Math.Round(Percentile(latencies, 0.50), 2), Math.Round(Percentile(latencies, 0.99), 2), latencies.Count, failures);
            Console.Error.WriteLine($"  {name}: p50 {run.P50Ms:0.00} ms, p99 {run.P99Ms:0.00} ms, {run.Requests} requests, {run.Failures} failed");
            return run;
        }

        static void Signal(IEnumerable<int> pids, string signal)
        {
            foreach (int pid in pids)
            {
                using Process kill = Process.Start("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                kill.WaitForExit();
            }
        }
    }

    public static async Task<SeededClient[]> SeedAsync(HttpClient http, AuthOptions auth, int count, int tenants)
    {
        var clients = new SeededClient[count];
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                string tenant = $"bench-{i % tenants}";
                using HttpRequestMessage request = Request(auth, tenant, HttpMethod.Post, "api/clients", new { name = $"client-{i}-{Guid.NewGuid():N}"[..40], role = "analyst" });
                using HttpResponseMessage response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Seeding client {i} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }

                using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                clients[i] = new SeededClient(
                    tenant,
                    body.RootElement.GetProperty("client").GetProperty("id").GetString()!,
                    body.RootElement.GetProperty("token").GetString()!);
            }
        }));
        return clients;
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static HttpRequestMessage Request(AuthOptions auth, string tenant, HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", DevelopmentToken.Create(auth, tenant, "bench", DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));
        return request;
    }
}
