using System.Net;
using BlueTokens.Core.Validation;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Validation;

/// <summary>
/// Who a validate call comes from: the connection's remote address as the host resolved it, never a header. On
/// Azure the platform's front end forwards each request with the address it saw, and the worker has already taken
/// that into the connection's remote address; whatever <c>X-Forwarded-For</c> still holds is what the caller chose,
/// so it is not read. Locally (LocalHost, func start) the address is the TCP peer.
/// </summary>
internal static class RequestSource
{
    // The source of the last address seen on this thread: connectors reuse connections from few hosts, so an
    // address is formatted about once per thread rather than once per request.
    [ThreadStatic]
    private static (IPAddress Peer, ValidationSource Source)? _last;

    public static ValidationSource Of(HttpRequest request)
    {
        if (request.HttpContext.Connection.RemoteIpAddress is not { } peer)
        {
            return ValidationSource.Unknown;
        }

        if (_last is { } last && last.Peer.Equals(peer))
        {
            return last.Source;
        }

        ValidationSource source = ValidationSource.From(peer);
        _last = (peer, source);
        return source;
    }
}
