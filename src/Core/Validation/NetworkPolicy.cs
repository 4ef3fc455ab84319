using System.Net;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Validation;

/// <summary>
/// A client's <c>allowedNetworks</c> as the validate path judges them: parsed once per cache entry, matched with
/// no allocation (<see cref="IPNetwork.Contains"/> compares the address's bytes in place). Empty allows any source.
/// </summary>
internal sealed class NetworkPolicy
{
    public static readonly NetworkPolicy Any = new([]);

    private readonly IPNetwork[] _networks;

    private NetworkPolicy(IPNetwork[] networks) => _networks = networks;

    public bool AllowsAnySource => _networks.Length == 0;

    /// <summary>The policy of canonical networks as stored (a string that does not parse, which the API never stores, allows nothing).</summary>
    public static NetworkPolicy Of(IReadOnlyList<string>? networks)
    {
        if (networks is null || networks.Count == 0)
        {
            return Any;
        }

        var parsed = new List<IPNetwork>(networks.Count);
        foreach (string network in networks)
        {
            if (NetworkRules.TryParse(network, out IPNetwork one))
            {
                parsed.Add(one);
            }
        }

        return new NetworkPolicy([.. parsed]);
    }

    /// <summary>
    /// Whether a request from <paramref name="source"/> may validate; an unknown source only where any is allowed.
    /// An IPv4 address mapped into IPv6 is judged as the IPv4 address it is.
    /// </summary>
    public bool Allows(IPAddress? source)
    {
        if (_networks.Length == 0)
        {
            return true;
        }

        if (source is null)
        {
            return false;
        }

        if (source.IsIPv4MappedToIPv6)
        {
            source = source.MapToIPv4();
        }

        foreach (IPNetwork network in _networks)
        {
            if (network.Contains(source))
            {
                return true;
            }
        }

        return false;
    }
}
