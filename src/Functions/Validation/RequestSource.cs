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

        return request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
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
