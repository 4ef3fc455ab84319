using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Validation;

/// <summary>
/// Who a validate call comes from, for its failure budget: the connection's remote address as the host resolved
/// it, never a header. On Azure the platform's front end forwards each request with the address it saw, and the
/// worker has already taken that into the connection's remote address; whatever <c>X-Forwarded-For</c> still holds
/// is what the caller chose, so it is not read. Locally (LocalHost, func start) the address is the TCP peer. An
/// IPv6 source counts by its /64 prefix (one host is usually given a whole /64); an IPv4 address mapped into IPv6
/// (a dual-stack socket) counts as the IPv4 address it is.
/// </summary>
internal static class RequestSource
{
    // The text of the last address seen on this thread: connectors reuse connections from few hosts, so an
    // address is formatted about once per thread rather than once per request.
    [ThreadStatic]
    private static (IPAddress Address, string Text)? _last;

    public static string Of(HttpRequest request) =>
        request.HttpContext.Connection.RemoteIpAddress is { } peer ? Text(peer) : "unknown";

    /// <summary>The budget key of an address: IPv4 as it is, IPv6 as its /64 prefix.</summary>
    public static string Key(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    private static string Text(IPAddress address)
    {
        if (_last is { } last && last.Address.Equals(address))
        {
            return last.Text;
        }

        string text = Key(address);
        _last = (address, text);
        return text;
    }
}
