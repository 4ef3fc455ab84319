using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Access tokens made by the tests themselves from API.md's format (<c>blue_</c>, 32 base62, 6 base62 of the
/// CRC-32 of the 32), independently of the service's code: well-formed tokens that no client holds.
/// </summary>
internal static class TokenKit
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }

        return c;
    }).ToArray();

    public static string NewWellFormed()
    {
        string random = new(RandomNumberGenerator.GetItems<char>(Alphabet, 32));
        return "blue_" + random + Checksum(random);
    }

    public static bool IsWellFormed(string token) =>
        Regex.IsMatch(token, "^blue_[0-9A-Za-z]{38}$")
        && Checksum(token.Substring(5, 32)) == token[37..];

    /// <summary>Neither the token nor any 8 consecutive characters of its secret part (after <c>blue_</c>).</summary>
    public static void AssertNoTokenIn(string text, string token)
    {
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        string secret = token.Length > 5 ? token[5..] : token;
        for (int i = 0; i + 8 <= secret.Length; i++)
        {
            Assert.False(text.Contains(secret.Substring(i, 8), StringComparison.Ordinal), $"the body holds part of the token: {text}");
        }
    }

    private static string Checksum(string random)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in Encoding.ASCII.GetBytes(random))
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        ulong value = crc ^ 0xFFFFFFFFu;
        var digits = new char[6];
        for (int i = 5; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }

        return new string(digits);
    }
}
