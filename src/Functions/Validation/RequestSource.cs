using System.Net;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Validation;

/// <summary>
/// Who a validate call comes from, for its failure budget: the client address as the platform's trusted front
/// end reports it, never one the caller can choose. On Azure (WEBSITE_SITE_NAME is set) the front end appends
/// the address it saw to X-Forwarded-For, so the last entry is the one to trust (a caller can only prepend);
/// elsewhere (LocalHost, func start) it is the TCP peer.
/// </summary>
internal static class RequestSource
{
    private static readonly bool BehindAzureFrontEnd =
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_SITE_NAME"));

    public static string Of(HttpRequest request)
    {
        if (BehindAzureFrontEnd && request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            string last = forwarded[(forwarded.LastIndexOf(',') + 1)..].Trim();
            return StripPort(last);
        }

        return request.HttpContext.Connection.RemoteIpAddress is { } peer ? Text(peer) : "unknown";
    }

    // The text of the last peer address seen on this thread: connectors reuse connections from few hosts, so an
    // address is formatted about once per thread rather than once per request.
    [ThreadStatic]
    private static (IPAddress Address, string Text)? _last;

    private static string Text(IPAddress address)
    {
        if (_last is { } last && last.Address.Equals(address))
        {
            return last.Text;
        }

        string text = address.ToString();
        _last = (address, text);
        return text;
    }

    private static string StripPort(string address)
    {
        if (address.StartsWith('['))
        {
            int close = address.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? address[1..close] : address;
        }

        return address.Count(c => c == ':') == 1 ? address[..address.IndexOf(':', StringComparison.Ordinal)] : address;
    }
}
