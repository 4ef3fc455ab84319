using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Tokens;

/// <summary>
/// AES-256-GCM protection of tokens, so that Show can give a token back while storage holds no clear text.
/// A protected value reads <c>v1.{keyId}.{base64url(nonce | ciphertext | tag)}</c>. The version, the key id and
/// a caller's context (the client it belongs to) are authenticated as associated data, so a ciphertext moved to
/// another client, or any altered byte, fails to open.
/// </summary>
internal sealed class TokenProtector
{
    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly ProtectionKey _current;
    private readonly Dictionary<string, ProtectionKey> _keysById;

    public TokenProtector(IOptions<TokenOptions> options)
    {
        TokenOptions settings = options.Value;
        _current = ProtectionKey.FromBase64(settings.EncryptionKey);
        _keysById = new Dictionary<string, ProtectionKey>(StringComparer.Ordinal) { [_current.Id] = _current };
        foreach (string previous in SplitKeys(settings.PreviousEncryptionKeys))
        {
            ProtectionKey key = ProtectionKey.FromBase64(previous);
            _keysById.TryAdd(key.Id, key);
        }
    }

    /// <summary>The id of the key that new values are written under.</summary>
    public string CurrentKeyId => _current.Id;

    public string Protect(string token, string context)
    {
        byte[] plaintext = Encoding.UTF8.GetBytes(token);
        byte[] sealedBytes = new byte[NonceSize + plaintext.Length + TagSize];
        Span<byte> nonce = sealedBytes.AsSpan(0, NonceSize);
        Span<byte> ciphertext = sealedBytes.AsSpan(NonceSize, plaintext.Length);
        Span<byte> tag = sealedBytes.AsSpan(NonceSize + plaintext.Length, TagSize);
        RandomNumberGenerator.Fill(nonce);

        using (var aes = new AesGcm(_current.Material, TagSize))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(_current.Id, context));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return $"{Version}.{_current.Id}.{Base64Url.EncodeToString(sealedBytes)}";
    }

    /// <summary>Opens a protected value; false (never an exception) where it is malformed, altered, or under an unknown key.</summary>
    public bool TryUnprotect(string protectedValue, string context, [NotNullWhen(true)] out string? token)
    {
        token = null;
        string[] parts = protectedValue.Split('.');
        if (parts.Length != 3 || parts[0] != Version || !_keysById.TryGetValue(parts[1], out ProtectionKey? key))
        {
            return false;
        }

        byte[] sealedBytes;
        try
        {
            sealedBytes = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (sealedBytes.Length < NonceSize + TagSize)
        {
            return false;
        }

        int length = sealedBytes.Length - NonceSize - TagSize;
        byte[] plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key.Material, TagSize);
            aes.Decrypt(
                sealedBytes.AsSpan(0, NonceSize),
                sealedBytes.AsSpan(NonceSize, length),
                sealedBytes.AsSpan(NonceSize + length, TagSize),
                plaintext,
                AssociatedData(key.Id, context));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        token = Encoding.UTF8.GetString(plaintext);
        CryptographicOperations.ZeroMemory(plaintext);
        return true;
    }

    /// <summary>True where the value was written under an older key and should be rewritten under the current one.</summary>
    public bool NeedsRewrap(string protectedValue) =>
        !protectedValue.StartsWith($"{Version}.{_current.Id}.", StringComparison.Ordinal);

    internal static IEnumerable<string> SplitKeys(string? keys) =>
        (keys ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static byte[] AssociatedData(string keyId, string context) =>
        Encoding.UTF8.GetBytes($"{Version}.{keyId}|{context}");

    private sealed class ProtectionKey
    {
        private ProtectionKey(byte[] material, string id)
        {
            Material = material;
            Id = id;
        }

        public byte[] Material { get; }

        /// <summary>Derived from the key itself, so that no separate setting can disagree with it.</summary>
        public string Id { get; }

        public static ProtectionKey FromBase64(string base64)
        {
            byte[] material = Convert.FromBase64String(base64);
            if (material.Length != 32)
            {
                throw new ArgumentException("An encryption key is base64 of exactly 32 bytes.", nameof(base64));
            }

            byte[] digest = SHA256.HashData([.. "blue-token-key-id:"u8, .. material]);
            return new ProtectionKey(material, Base64Url.EncodeToString(digest.AsSpan(0, 6)));
        }
    }
}
