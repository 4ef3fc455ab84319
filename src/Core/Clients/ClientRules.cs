using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BlueTokens.Core.Clients;

/// <summary>What a client's name and role may be (API.md, "Client").</summary>
internal static partial class ClientRules
{
    public const int MaxNameLength = 64;
    public const int MaxRoleLength = 128;

    /// <summary>Checks a name and gives it trimmed; null and an error where it breaks a rule.</summary>
    public static string? ValidateName(string? name, out string? error)
    {
        string trimmed = (name ?? "").Trim();
        int length = 0;
        foreach (Rune rune in trimmed.EnumerateRunes())
        {
            length++;
            if (!IsNameRune(rune))
            {
                error = $"Name may hold letters, digits, spaces, '_', '-' and '.' only; '{Printable(rune)}' is not allowed.";
                return null;
            }
        }

        if (length is 0 or > MaxNameLength)
        {
            error = $"Name must be 1 to {MaxNameLength} characters after trimming.";
            return null;
        }

        error = null;
        return trimmed;
    }

    public static bool IsValidRole(string? role, out string? error)
    {
        if (string.IsNullOrEmpty(role) || role.Length > MaxRoleLength || !RolePattern().IsMatch(role))
        {
            error = $"Role must be 1 to {MaxRoleLength} characters matching ^[A-Za-z_][A-Za-z0-9_$.-]*$.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// The form in which names are unique in a tenant: case-insensitive under the invariant culture. It is the
    /// row key of the name's reservation, so two names that compare equal cannot both be stored.
    /// </summary>
    public static string NameKey(string validName) => validName.ToUpperInvariant();

    private static bool IsNameRune(Rune rune) =>
        Rune.IsLetter(rune) || Rune.IsDigit(rune) || rune.Value is ' ' or '_' or '-' or '.';

    private static string Printable(Rune rune) =>
        Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format
            ? $"U+{rune.Value:X4}"
            : rune.ToString();

    // \z, not $: in .NET, $ also matches before a final newline, which would let "analyst\n" through.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$.-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RolePattern();
}
