using System.Net;
using System.Net.Sockets;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Validation;

/// <summary>
/// Who a validate call comes from, as the host resolved it: the address a client's network policy is judged
/// against (null where the host knows none), and the key its failure budget counts under. An IPv6 source counts by
/// its /64 prefix (one host is usually given a whole /64); an IPv4 address mapped into IPv6 (a dual-stack socket)
/// is the IPv4 address it is, for both.
/// </summary>
internal readonly record struct ValidationSource(string BudgetKey, IPAddress? Address)
{
    public static readonly ValidationSource Unknown = new("unknown", null);

    public static ValidationSource From(IPAddress? address)
    {
        if (address is null)
        {
            return Unknown;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return new ValidationSource(address.ToString(), address);
        }

        return new ValidationSource(NetworkRules.Masked(address, 64).ToString() + "/64", address);
    }
}
