using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace BlueTokens.Core.Clients;

/// <summary>
/// Client ids that sort by creation time (so that a range read of the tenant's partition lists oldest first) and
/// cannot be guessed: 12 hex digits of Unix milliseconds, then 16 random characters, 28 in all, URL-safe.
/// </summary>
internal static class ClientIds
{
    private const string RandomAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private static readonly SearchValues<char> IdCharacters = SearchValues.Create(RandomAlphabet);
    public const int Length = 28;

    public static string New(DateTimeOffset now)
    {
        return string.Create(Length, now.ToUnixTimeMilliseconds(), static (chars, milliseconds) =>
        {
            milliseconds.TryFormat(chars[..12], out _, "x12", CultureInfo.InvariantCulture);
            Span<byte> random = stackalloc byte[16];
            RandomNumberGenerator.Fill(random);
            for (int i = 0; i < 16; i++)
            {
                chars[12 + i] = RandomAlphabet[random[i] & 31];
            }
        });
    }

    /// <summary>Ids that cannot be ours are answered as missing without asking storage.</summary>
    public static bool IsWellFormed(string? id) =>
        id is { Length: Length } && !id.AsSpan().ContainsAnyExcept(IdCharacters);
}
