using BlueTokens.Core.Clients;
using BlueTokens.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BlueTokens.Functions.Clients;

/// <summary>Maps a Core outcome to its response: a body that holds one client carries that client's ETag.</summary>
internal static class ClientResults
{
    public static Results<ApiJson<ClientResponse>, ApiProblem> Client(Outcome<ClientRecord> outcome, DateTimeOffset now)
    {
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        ClientRecord client = outcome.Value!;
        return ApiJson.Ok(ClientResponse.From(client, now), ApiJsonContext.Default.ClientResponse)
            .WithHeader("ETag", client.ETag);
    }

    /// <summary>201 with the new client's address (below the collection the request was sent to).</summary>
    public static Results<ApiJson<IssuedTokenResponse>, ApiProblem> Created(Outcome<IssuedToken> outcome, DateTimeOffset now, HttpRequest request)
    {
        if (outcome.Failure is { } failure)
        {
            return Problems.From(failure);
        }

        IssuedToken issued = outcome.Value!;
        return Issued(StatusCodes.Status201Created, issued, now)
            .WithHeader("Location", $"{request.PathBase}{request.Path.Value?.TrimEnd('/')}/{issued.Client.Id}");
    }

    public static Results<ApiJson<IssuedTokenResponse>, ApiProblem> Regenerated(Outcome<IssuedToken> outcome, DateTimeOffset now) =>
        outcome.Failure is { } failure ? Problems.From(failure) : Issued(StatusCodes.Status200OK, outcome.Value!, now);

    /// <summary>A body with a token in it, which nothing between may store.</summary>
    private static ApiJson<IssuedTokenResponse> Issued(int status, IssuedToken issued, DateTimeOffset now) =>
        ApiJson.WithStatus(status, new IssuedTokenResponse(ClientResponse.From(issued.Client, now), issued.Token), ApiJsonContext.Default.IssuedTokenResponse)
            .WithHeader("ETag", issued.Client.ETag)
            .WithHeader("Cache-Control", "no-store");
}
