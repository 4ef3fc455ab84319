using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Events;

namespace BlueTokens.Core.Clients;

/// <summary>What a client's name and role may be (API.md, "Client"), and what a PATCH and a rotation change (networks: <see cref="NetworkRules"/>).</summary>
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

    /// <summary>
    /// A PATCH of checked fields (null where absent): the fields that differ, audited from and to; no change where
    /// none differs.
    /// </summary>
    public static ChangeDecision Update(ClientRecord client, string? name, string? role, IReadOnlyList<string>? networks, DateTimeOffset now)
    {
        var changes = new JsonObject();
        if (name is not null && name != client.Name)
        {
            changes["name"] = new JsonObject { ["from"] = client.Name, ["to"] = name };
        }

        if (role is not null && role != client.Role)
        {
            changes["role"] = new JsonObject { ["from"] = client.Role, ["to"] = role };
        }

        if (networks is not null && !networks.SequenceEqual(client.AllowedNetworks))
        {
            changes["allowedNetworks"] = new JsonObject { ["from"] = NetworksJson(client.AllowedNetworks), ["to"] = NetworksJson(networks) };
        }

        if (changes.Count == 0)
        {
            return ChangeDecision.None;
        }

        ClientRecord updated = client with { Name = name ?? client.Name, Role = role ?? client.Role, AllowedNetworks = networks ?? client.AllowedNetworks };
        return ChangeDecision.Revise(updated, now, new AuditNote(AuditActions.ClientUpdated, new JsonObject { ["changes"] = changes }), LifecycleEventTypes.ClientUpdated);
    }

    /// <summary>
    /// The grace tokens after a rotation at <paramref name="now"/> whose grace ends at <paramref name="graceEnd"/>:
    /// every older one cut to that end (and gone once it has passed), the replaced token added where it still has
    /// time (never past its own expiry); and the end of the replaced token (<paramref name="now"/> where it has none).
    /// </summary>
    public static (IReadOnlyList<GraceToken> Grace, DateTimeOffset PreviousValidUntil) GraceAfterRotation(ClientRecord client, DateTimeOffset graceEnd, DateTimeOffset now)
    {
        var grace = client.GraceTokens
            .Select(old => old with { Until = Min(old.Until, graceEnd) })
            .Where(old => old.Until > now)
            .ToList();
        DateTimeOffset previousUntil = Min(graceEnd, client.ExpiresAt);
        if (previousUntil <= now)
        {
            return (grace, now);
        }

        grace.Add(new GraceToken(client.TokenHash, client.TokenPrefix, previousUntil));
        return (grace, previousUntil);
    }

    /// <summary>Networks as an audit detail shows them.</summary>
    public static JsonArray NetworksJson(IReadOnlyList<string> networks) => new([.. networks.Select(network => JsonValue.Create(network))]);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

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
