using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.SecretScanning;

/// <summary>What checking a report's signature found.</summary>
internal enum SignatureVerdict
{
    Valid,

    /// <summary>No key of that identifier (after one fetch), or the keys could not be read at all.</summary>
    UnknownKey,

    BadSignature,
}

/// <summary>
/// GitHub's secret scanning public keys, read from <c>SecretScanning__KeysUrl</c> and kept for
/// <c>KeysCacheLifetime</c>. An identifier the keys do not name is fetched again once: one fetch at a time, shared
/// by every report waiting on it, and none sooner than <c>KeysRefetchInterval</c> after the last, so made-up
/// identifiers cannot make the service hammer the URL. A fetch that fails or times out leaves the last keys read.
/// </summary>
internal sealed partial class SecretScanningKeys(
    [FromKeyedServices(SecretScanningKeys.HttpClientKey)] HttpClient http,
    IOptions<SecretScanningOptions> options,
    TimeProvider time,
    ILogger<SecretScanningKeys> logger)
{
    public const string HttpClientKey = "secret-scanning-keys";

    /// <summary>GitHub's document is a few KiB; anything near this is not it.</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    private readonly Lock _gate = new();
    private volatile KeySet _keys = KeySet.None;
    private Task<KeySet>? _fetch;
    private DateTimeOffset? _lastFetchAt;

    /// <summary>
    /// The client the keys are read with: no redirects (an https URL must not be led to http), GitHub's API wants a
    /// User-Agent, and the document is read whole, within <see cref="MaxDocumentBytes"/>.
    /// </summary>
    public static HttpClient NewHttpClient(HttpMessageHandler? handler = null)
    {
        var client = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each fetch has its own, KeysFetchTimeout
            MaxResponseContentBufferSize = MaxDocumentBytes,
        };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("BlueTokens-SecretScanning", "1.0"));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Checks an ECDSA P-256 SHA-256 signature (ASN.1 DER) over <paramref name="body"/> with the key named.</summary>
    public async Task<SignatureVerdict> VerifyAsync(string identifier, ReadOnlyMemory<byte> body, byte[] signature, CancellationToken cancellationToken = default)
    {
        byte[]? key = await FindAsync(identifier, cancellationToken);
        if (key is null)
        {
            return SignatureVerdict.UnknownKey;
        }

        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(key, out _);
        try
        {
            return ecdsa.VerifyData(body.Span, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                ? SignatureVerdict.Valid
                : SignatureVerdict.BadSignature;
        }
        catch (CryptographicException)
        {
            return SignatureVerdict.BadSignature; // not a DER signature at all
        }
    }

    /// <summary>The named key (its SubjectPublicKeyInfo), from keys still fresh, else after at most one fetch; null where none.</summary>
    public async Task<byte[]?> FindAsync(string identifier, CancellationToken cancellationToken = default)
    {
        KeySet keys = _keys;
        DateTimeOffset now = time.GetUtcNow();
        bool fresh = now - keys.FetchedAt < options.Value.KeysCacheLifetime;
        if (fresh && keys.Find(identifier) is { } key)
        {
            return key;
        }

        // Stale, never read, or an identifier they do not name (a rotation): fetch, or wait for the fetch under way.
        // Where the last fetch was too recent, the keys at hand answer (stale ones still check a signature).
        if (StartFetch(now) is { } fetch)
        {
            keys = await fetch.WaitAsync(cancellationToken);
        }

        return keys.Find(identifier);
    }

    private Task<KeySet>? StartFetch(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_fetch is { IsCompleted: false } running)
            {
                return running;
            }

            if (_lastFetchAt is { } last && now - last < options.Value.KeysRefetchInterval)
            {
                return null;
            }

            _lastFetchAt = now;
            return _fetch = Task.Run(FetchAsync);
        }
    }

    /// <summary>Reads the document; on any failure the keys stay as they were (and the fetch is over either way).</summary>
    private async Task<KeySet> FetchAsync()
    {
        SecretScanningOptions settings = options.Value;
        using var timeout = new CancellationTokenSource(settings.KeysFetchTimeout, time);
        try
        {
            using HttpResponseMessage response = await http.GetAsync(settings.KeysUrl, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogFetchFailed(logger, $"HTTP {(int)response.StatusCode}");
                return _keys;
            }

            byte[] document = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            KeySet read = Parse(document, time.GetUtcNow());
            if (read.Count == 0)
            {
                LogFetchFailed(logger, "no ECDSA P-256 key in the document");
                return _keys;
            }

            LogFetched(logger, read.Count);
            return _keys = read;
        }
        catch (Exception e)
        {
            // Whatever failed (refused, timed out, too large, not the document): the keys are not read, and every report
            // waiting on them is refused as unsigned, never answered 500.
            LogFetchFailed(logger, timeout.IsCancellationRequested ? $"no answer within {settings.KeysFetchTimeout}" : e.GetType().Name);
            return _keys;
        }
    }

    /// <summary>The document's ECDSA P-256 keys by identifier; entries that are not one are skipped.</summary>
    private KeySet Parse(byte[] document, DateTimeOffset now)
    {
        PublicKeysDocument? parsed = JsonSerializer.Deserialize(document, SecretScanningJsonContext.Default.PublicKeysDocument);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (PublicKeyEntry entry in parsed?.PublicKeys ?? [])
        {
            if (string.IsNullOrEmpty(entry.KeyIdentifier) || string.IsNullOrEmpty(entry.Key))
            {
                continue;
            }

            try
            {
                using var ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(entry.Key);
                if (ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
                {
                    LogKeySkipped(logger, "not on the P-256 curve");
                    continue;
                }

                keys[entry.KeyIdentifier] = ecdsa.ExportSubjectPublicKeyInfo();
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                LogKeySkipped(logger, "not a PEM ECDSA public key");
            }
        }

        return new KeySet(keys, now);
    }

    private sealed class KeySet(IReadOnlyDictionary<string, byte[]> keys, DateTimeOffset fetchedAt)
    {
        public static readonly KeySet None = new(new Dictionary<string, byte[]>(), DateTimeOffset.MinValue);

        public DateTimeOffset FetchedAt => fetchedAt;

        public int Count => keys.Count;

        public byte[]? Find(string identifier) => keys.GetValueOrDefault(identifier);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Count} secret scanning public keys from SecretScanning__KeysUrl")]
    private static partial void LogFetched(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Secret scanning public keys could not be read from SecretScanning__KeysUrl ({Reason}); the last keys read, if any, stay in use")]
    private static partial void LogFetchFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A secret scanning public key was skipped: {Reason}")]
    private static partial void LogKeySkipped(ILogger logger, string reason);
}

internal sealed record PublicKeysDocument([property: JsonPropertyName("public_keys")] IReadOnlyList<PublicKeyEntry>? PublicKeys);

internal sealed record PublicKeyEntry(
    [property: JsonPropertyName("key_identifier")] string? KeyIdentifier,
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("is_current")] bool IsCurrent);

[JsonSerializable(typeof(PublicKeysDocument))]
internal sealed partial class SecretScanningJsonContext : JsonSerializerContext;
