using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace BlueTokens.Core.Tokens;

/// <summary>
/// The SHA-256 of an access token: the only form in which a token is looked up. A value type with its bytes
/// inline, so that computing it on the validate path allocates nothing.
/// </summary>
internal readonly struct TokenHash : IEquatable<TokenHash>
{
    public const int Size = 32;

    private readonly HashBytes _bytes;

    public TokenHash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A token hash is {Size} bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
    }

    [UnscopedRef]
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Lower-case hex, 64 characters: safe as a Table Storage key and a Redis key part.</summary>
    public string ToHex() => Convert.ToHexStringLower(Bytes);

    public override string ToString() => ToHex();

    public bool Equals(TokenHash other) => Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is TokenHash other && Equals(other);

    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    public static bool operator ==(TokenHash left, TokenHash right) => left.Equals(right);

    public static bool operator !=(TokenHash left, TokenHash right) => !left.Equals(right);

    [InlineArray(Size)]
    private struct HashBytes
    {
        private byte _element0;
    }
}
