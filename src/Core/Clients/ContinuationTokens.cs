using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BlueTokens.Core.Tokens;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Clients;

/// <summary>
/// Opaque, tamper-evident paging tokens: the last row key of a page, bound by HMAC-SHA256 to the tenant and to
/// the query it continues, so that a token cannot be forged, altered, or carried to another tenant or filter.
/// </summary>
internal sealed class ContinuationTokens
{
    private const int MacSize = 16;
    private readonly byte[] _key;

    public ContinuationTokens(IOptions<TokenOptions> options)
    {
        byte[] master = Convert.FromBase64String(options.Value.EncryptionKey);
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "blue-continuation-v1"u8.ToArray());
    }

    /// <summary>The answer to a continuation token this service did not issue for the query (400 invalid_query).</summary>
    public static readonly Failure NotIssued = new(FailureKind.InvalidQuery, "continuationToken is not one this service issued for this query.",
        new Dictionary<string, string[]> { ["continuationToken"] = ["Not a valid continuation token for this query."] });

    public string Protect(string rowKey, string tenantId, string scope)
    {
        byte[] payload = Encoding.UTF8.GetBytes(rowKey);
        byte[] mac = Mac(payload, tenantId, scope);
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(mac)}";
    }

    /// <summary>The row key a token continues after; false for anything this service did not issue for this query.</summary>
    public bool TryUnprotect(string token, string tenantId, string scope, out string rowKey)
    {
        rowKey = "";
        int dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || token.Length > 1024)
        {
            return false;
        }

        byte[] payload;
        byte[] mac;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            mac = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(payload, tenantId, scope)))
        {
            return false;
        }

        rowKey = Encoding.UTF8.GetString(payload);
        return true;
    }

    private byte[] Mac(byte[] payload, string tenantId, string scope)
    {
        byte[] context = Encoding.UTF8.GetBytes($"{tenantId}\n{scope}\n");
        byte[] full = HMACSHA256.HashData(_key, context.Concat(payload).ToArray());
        return full[..MacSize];
    }
}
