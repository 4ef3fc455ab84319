using System.Buffers;

namespace BlueTokens.Core.Tokens;

/// <summary>The base62 alphabet of the token format, in digit order (API.md).</summary>
internal static class Base62
{
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static readonly SearchValues<char> Digits = SearchValues.Create(Alphabet);

    /// <summary>Writes <paramref name="value"/> most significant digit first, left-padded with '0' to the span's length.</summary>
    public static void WriteFixedWidth(ulong value, Span<char> destination)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }
    }
}
