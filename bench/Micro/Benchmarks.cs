using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Azure.Identity;
using BenchmarkDotNet.Attributes;
using BlueTokens.Core.Caching;
using BlueTokens.Core.Storage;
using BlueTokens.Core.Tokens;
using BlueTokens.Core.Usage;
using BlueTokens.Core.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace BlueTokens.Benchmarks;

[MemoryDiagnoser]
public class TokenFormatBenchmarks
{
    private readonly string _token = AccessToken.Generate();
    private readonly string _junk = "blue_" + new string('x', 38);

    [Benchmark(Description = "parse + checksum")]
    public bool ParseAndChecksum() => AccessToken.IsWellFormed(_token);

    [Benchmark(Description = "parse + checksum + SHA-256")]
    public bool ParseChecksumAndHash() => AccessToken.TryHash(_token, out _);

    [Benchmark(Description = "reject junk")]
    public bool RejectJunk() => AccessToken.TryHash(_junk, out _);

    [Benchmark(Description = "generate")]
    public string Generate() => AccessToken.Generate();
}

/// <summary>
/// The lookup hash of a token, as validate makes it on every request (a per-thread SHA-256 context, reset after
/// each hash), against the runtime's one-shot SHA256.HashData, which sets up and frees an OpenSSL context per call.
/// </summary>
[MemoryDiagnoser]
public class TokenHashBenchmarks
{
    private readonly string _token = AccessToken.Generate();
    private readonly byte[] _ascii = new byte[AccessToken.Length];
    private readonly byte[] _digest = new byte[TokenHash.Size];

    [GlobalSetup]
    public void Setup() => Encoding.ASCII.GetBytes(_token, _ascii);

    [Benchmark(Baseline = true, Description = "SHA-256 one-shot (SHA256.HashData)")]
    public int OneShot() => SHA256.HashData(_ascii, _digest);

    [Benchmark(Description = "token hash (per-thread context)")]
    public int PerThread() => AccessToken.HashWellFormed(_token).GetHashCode();
}

[MemoryDiagnoser]
public class ProtectionBenchmarks
{
    private readonly TokenProtector _protector = new(Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
    private readonly string _token = AccessToken.Generate();
    private string _protected = "";

    [GlobalSetup]
    public void Setup() => _protected = _protector.Protect(_token, "tenant/client");

    [Benchmark(Description = "AES-GCM protect")]
    public string Protect() => _protector.Protect(_token, "tenant/client");

    [Benchmark(Description = "AES-GCM unprotect")]
    public bool Unprotect() => _protector.TryUnprotect(_protected, "tenant/client", out _);
}

/// <summary>
/// What a cache hit does with the value Redis gave: parse the entry alone (the baseline), and open it (the seal's
/// MAC checked, then the entry parsed), as the hit path does now. The difference is the seal's cost.
/// </summary>
[MemoryDiagnoser]
public class CacheEntryBenchmarks
{
    private const string Generation = "3f2a9c01b7de-0a1b2c3d4e5f";
    private static readonly TokenCacheEntry Entry = new("tenant-0", "01a2217a5b0cyh36zm1r2t7trhph", "BI", "analyst", 1_800_000_000_000, false, false);
    // The longest entry lifetime there is (a day), so that the value sealed in the setup is believed for the whole run.
    private readonly CacheEntrySeal _seal = new(
        Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }),
        Options.Create(new CacheOptions { MaxEntryLifetime = TimeSpan.FromDays(1) }),
        TimeProvider.System);
    private readonly TokenHash _hash = new(SHA256.HashData("blue_benchmark"u8));
    private readonly byte[] _json = Encoding.UTF8.GetBytes(TokenCache.Serialize(Entry));
    private byte[] _sealed = [];

    [GlobalSetup]
    public void Setup() =>
        _sealed = Encoding.UTF8.GetBytes(_seal.Seal(_hash.ToHex(), 3, Generation, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds(), TokenCache.Serialize(Entry)));

    [Benchmark(Description = "cache entry serialize")]
    public string Serialize() => TokenCache.Serialize(Entry);

    [Benchmark(Baseline = true, Description = "cache entry parse (no seal)")]
    public bool Parse() => TokenCacheEntry.Read(_json) is not null;

    [Benchmark(Description = "cache entry open (seal checked + parse)")]
    public bool Open() => _seal.Open(_hash, _sealed, "3f2a9c01b7de").Kind == CachedTokenKind.Live;
}

/// <summary>
/// A client's network policy judged on the hot path: the baseline is a policy that allows any source (one length
/// check), against 32 networks of both families with the source matching the last one and none. Allocations must
/// be zero in every case.
/// </summary>
[MemoryDiagnoser]
public class NetworkPolicyBenchmarks
{
    private static readonly string[] ThirtyTwo = [.. Enumerable.Range(0, 16).Select(i => $"10.{i}.0.0/16"),
        .. Enumerable.Range(0, 15).Select(i => $"2001:db8:{i:x}::/48"), "203.0.113.0/24"];

    private readonly NetworkPolicy _any = NetworkPolicy.Of([]);
    private readonly NetworkPolicy _many = NetworkPolicy.Of(ThirtyTwo);
    private readonly IPAddress _last = IPAddress.Parse("203.0.113.9");
    private readonly IPAddress _none = IPAddress.Parse("198.51.100.1");
    private readonly IPAddress _v6 = IPAddress.Parse("2001:db8:e::1");

    [Benchmark(Baseline = true, Description = "networks: any source")]
    public bool Any() => _any.Allows(_last);

    [Benchmark(Description = "networks: 32, IPv4 source matches the last")]
    public bool LastOf32() => _many.Allows(_last);

    [Benchmark(Description = "networks: 32, IPv4 source matches none")]
    public bool NoneOf32() => _many.Allows(_none);

    [Benchmark(Description = "networks: 32, IPv6 source matches the 31st")]
    public bool IPv6Of32() => _many.Allows(_v6);
}

/// <summary>
/// The whole validate path in process, against a cache stub that always hits: with the local answers off, what the
/// service adds to one Redis read; with them on (the default 500 ms lease), a hit answered from memory, as nearly
/// every hit of a busy connector is (its network check, last use and usage count included).
/// </summary>
[MemoryDiagnoser]
public class InProcessValidateBenchmarks
{
    private readonly string _token = AccessToken.Generate();
    private TokenValidator _validator = null!;

    [Params(false, true)]
    public bool LocalAnswersOn { get; set; }

    [GlobalSetup]
    public void Setup() => _validator = Validators.Over([_token], clients: 1, LocalAnswersOn ? new CacheOptions().LocalLease : TimeSpan.Zero);

    [Benchmark(Description = "validate (cache hit, in process)")]
    public async Task<bool> Validate() => (await _validator.ValidateAsync(_token, Validators.Loopback)).IsValid;
}

/// <summary>
/// Hits from memory on every core at once, 200 tokens in turn as the load benchmark rotates them, for 200 clients
/// (a busy tenant's connectors) or one (a gateway's few tokens): what the words every hit writes (the client's last
/// use and its count) cost when the cores share them.
/// </summary>
public class ConcurrentLocalHitBenchmarks
{
    private const int Tokens = 200, Rounds = 50;
    private static readonly int Threads = Environment.ProcessorCount;

    private readonly string[] _tokens = [.. Enumerable.Range(0, Tokens).Select(_ => AccessToken.Generate())];
    private TokenValidator _validator = null!;

    [Params(1, 200)]
    public int Clients { get; set; }

    [GlobalSetup]
    public void Setup() => _validator = Validators.Over(_tokens, Clients, new CacheOptions().LocalLease);

    [Benchmark(Description = "validate from memory, every core at once", OperationsPerInvoke = Tokens * Rounds)]
    public void ValidateOnEveryCore() => Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
    {
        // Each core takes its share of the rounds, starting at its own place in the rotation.
        for (int i = 0; i < Tokens * Rounds / Threads; i++)
        {
            // The stub answers at once, so every call has completed when it returns.
            ValueTask<ValidationResult> answer = _validator.ValidateAsync(_tokens[(i + thread * 37) % Tokens], Validators.Loopback);
            if (!answer.IsCompletedSuccessfully || !answer.Result.IsValid)
            {
                throw new InvalidOperationException("a hit answered other than valid, or not at once");
            }
        }
    });
}

/// <summary>Validators over a cache stub that answers each given token as a live entry of one of <c>clients</c> clients, and no store.</summary>
internal static class Validators
{
    public static readonly ValidationSource Loopback = ValidationSource.From(IPAddress.Loopback);

    private static readonly IOptions<RedisOptions> NoRedis = Options.Create(new RedisOptions { ConnectionString = "127.0.0.1:1" });

    public static TokenValidator Over(string[] tokens, int clients, TimeSpan lease)
    {
        var tables = new StorageTables(new TableServiceClient("UseDevelopmentStorage=true"), Options.Create(new StorageOptions()));
        var store = new ClientStore(tables);
        var validateOptions = Options.Create(new ValidateOptions());
        long expires = DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeMilliseconds();
        var hits = tokens.Select((token, i) => (Hash: AccessToken.HashWellFormed(token), Client: i % clients)).ToDictionary(
            hit => hit.Hash,
            hit => Task.FromResult(new CacheLookup(true, new CachedToken(CachedTokenKind.Live, new TokenCacheEntry(
                $"tenant-{hit.Client % 100}", hit.Client.ToString("D28", CultureInfo.InvariantCulture), $"Client {hit.Client}", "analyst", expires, false, false)))));
        return new TokenValidator(
            new HitCache(hits),
            new TokenLookups(tables),
            store,
            new LastUseRecorder(store, new UsageLedger(new UsageStore(tables), TimeProvider.System, NullLogger<UsageLedger>.Instance), validateOptions, NullLogger<LastUseRecorder>.Instance),
            new LocalFailureBudget(TimeProvider.System),
            new LocalAnswers(Options.Create(new CacheOptions { LocalLease = lease })),
            new NoValidationObserver(),
            validateOptions,
            TimeProvider.System);
    }

    // The connection-string form never asks the sign-in's credential for a token.
    private sealed class HitCache(Dictionary<TokenHash, Task<CacheLookup>> hits) : TokenCache(
        new RedisConnection(
            NoRedis,
            new RedisSignIn(NoRedis, new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned), TimeProvider.System, NullLogger<RedisSignIn>.Instance),
            NullLoggerFactory.Instance,
            TimeProvider.System),
        new RedisCircuit(TimeProvider.System),
        new CacheEntrySeal(
            Options.Create(new TokenOptions { EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }),
            Options.Create(new CacheOptions()),
            TimeProvider.System),
        new ReplicaAcknowledgements(Options.Create(new CacheOptions()), NullLogger<ReplicaAcknowledgements>.Instance),
        Options.Create(new CacheOptions()),
        NullLogger<TokenCache>.Instance)
    {
        public override Task<CacheLookup> LookupAsync(TokenHash hash) => hits[hash];
    }
}
