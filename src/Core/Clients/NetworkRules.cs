using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BlueTokens.Core.Clients;

/// <summary>
/// What a client's <c>allowedNetworks</c> may be (API.md, "Client"): IPv4 and IPv6 CIDRs, at most
/// <see cref="MaxNetworks"/>, each written back in canonical form (host bits cleared, a bare address as /32 or
/// /128, IPv6 compressed and lowercase, an IPv4-mapped IPv6 network as the IPv4 network it is). Duplicates after
/// canonicalisation are kept once, in their first place.
/// </summary>
internal static class NetworkRules
{
    public const int MaxNetworks = 32;

    /// <summary>The networks in canonical form; null and the errors where any breaks a rule.</summary>
    public static IReadOnlyList<string>? Canonicalize(IReadOnlyList<string?> networks, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        if (networks.Count > MaxNetworks)
        {
            problems.Add($"At most {MaxNetworks} networks are allowed; {networks.Count} were given.");
        }

        var canonical = new List<string>(networks.Count);
        for (int i = 0; i < networks.Count; i++)
        {
            if (TryParse(networks[i], out IPNetwork network))
            {
                string text = network.ToString();
                if (!canonical.Contains(text))
                {
                    canonical.Add(text);
                }
            }
            else
            {
                problems.Add($"Entry {i} ('{Printable(networks[i])}') is not an IPv4 or IPv6 network in CIDR form, such as 10.0.0.0/8 or 2001:db8::/32.");
            }
        }

        errors = problems;
        return problems.Count == 0 ? canonical : null;
    }

    /// <summary>
    /// Parses <c>address</c> or <c>address/prefix</c>, strictly: IPv4 as four decimal parts (no octal, hex or short
    /// forms, which <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> would read), IPv6 without a zone,
    /// the prefix a decimal number within the family's width. Host bits are cleared.
    /// </summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        int slash = text.IndexOf('/');
        ReadOnlySpan<char> address = slash < 0 ? text : text.AsSpan(0, slash);
        bool v6 = address.Contains(':');
        if ((v6 ? address.Contains('%') : !IsDottedQuad(address)) || !IPAddress.TryParse(address, out IPAddress? parsed))
        {
            return false;
        }

        int width = parsed.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        int prefix = width;
        if (slash >= 0 && !TryParsePrefix(text.AsSpan(slash + 1), width, out prefix))
        {
            return false;
        }

        if (parsed.IsIPv4MappedToIPv6 && prefix >= 96)
        {
            (parsed, prefix) = (parsed.MapToIPv4(), prefix - 96);
        }

        network = new IPNetwork(Masked(parsed, prefix), prefix);
        return true;
    }

    /// <summary>The address with every bit past the first <paramref name="prefix"/> cleared.</summary>
    public static IPAddress Masked(IPAddress address, int prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        bytes = bytes[..length];
        for (int bit = prefix; bit < length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }

    private static bool TryParsePrefix(ReadOnlySpan<char> text, int width, out int prefix)
    {
        prefix = 0;
        return text.Length is >= 1 and <= 3
            && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            && prefix <= width;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        int parts = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> part = text[range];
            if (++parts > 4 || part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0')
                || !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value > 255)
            {
                return false;
            }
        }

        return parts == 4;
    }

    private static string Printable(string? text) =>
        text is null ? "null" : text.Length > 64 ? string.Concat(text.AsSpan(0, 61), "...") : text;
}
