namespace BlueTokens.Core.Tokens;

/// <summary>Settings under <c>Tokens__</c>: lifetime policy and the key that protects tokens for Show.</summary>
internal sealed class TokenOptions
{
    public const string Section = "Tokens";

    /// <summary>Base64 of 32 bytes: the AES-256-GCM key new ciphertexts are written under.</summary>
    public string EncryptionKey { get; set; } = "";

    /// <summary>
    /// Earlier keys, base64, separated by commas or semicolons: still read, never written. Rotation adds the old
    /// key here and a new one in <see cref="EncryptionKey"/>.
    /// </summary>
    public string? PreviousEncryptionKeys { get; set; }

    public int DefaultLifetimeDays { get; set; } = 90;

    public int MaxLifetimeDays { get; set; } = 365;

    public TimeSpan MinLifetime { get; set; } = TimeSpan.FromDays(1);
}
