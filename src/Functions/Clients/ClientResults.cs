using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Mvc;

namespace BlueTokens.Functions.Clients;

/// <summary>Maps a Core outcome to its response: a body that holds one client carries that client's ETag.</summary>
internal static class ClientResults
{
    public static IActionResult Client(Outcome<ClientRecord> outcome, DateTimeOffset now)
    {
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        ClientRecord client = outcome.Value!;
        return new JsonResult<ClientResponse>(200, ClientResponse.From(client, now), ApiJsonContext.Default.ClientResponse)
            .WithHeader("ETag", client.ETag);
    }

    public static IActionResult Issued(Outcome<IssuedToken> outcome, DateTimeOffset now, int status, string? location = null)
    {
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        IssuedToken issued = outcome.Value!;
        var result = new JsonResult<IssuedTokenResponse>(
                status,
                new IssuedTokenResponse(ClientResponse.From(issued.Client, now), issued.Token),
                ApiJsonContext.Default.IssuedTokenResponse)
            .WithHeader("ETag", issued.Client.ETag)
            .WithHeader("Cache-Control", "no-store");
        return location is null ? result : result.WithHeader("Location", location);
    }
}
