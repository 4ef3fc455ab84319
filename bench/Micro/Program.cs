using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BlueTokens.Benchmarks;

// Micro benchmarks of the in-process token path. `dotnet run -c Release --project bench/Micro` runs them all
// (about two minutes); the last line printed is JSON: mean time and bytes allocated per operation.
IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(8).WithId("short"))
    .WithOptions(ConfigOptions.DisableLogFile);
Summary[] summaries = BenchmarkRunner.Run(
    [typeof(TokenFormatBenchmarks), typeof(TokenHashBenchmarks), typeof(ProtectionBenchmarks), typeof(CacheEntryBenchmarks), typeof(NetworkPolicyBenchmarks), typeof(InProcessValidateBenchmarks), typeof(ConcurrentLocalHitBenchmarks)],
    config,
    args);

var results = summaries.SelectMany(summary => summary.Reports).Select(report => new
{
    name = $"{report.BenchmarkCase.Descriptor.Type.Name}.{report.BenchmarkCase.Descriptor.WorkloadMethod.Name}",
    meanNs = report.ResultStatistics is { } statistics ? Math.Round(statistics.Mean, 1) : (double?)null,
    allocatedBytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase),
});
Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "micro", machine = Environment.ProcessorCount + " cores", results }));
