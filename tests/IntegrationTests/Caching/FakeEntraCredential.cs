using System.Security.Cryptography;
using Azure.Core;
using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.IntegrationTests.Caching;

/// <summary>An access token as the fake hands it out; the test makes it a Redis ACL password.</summary>
internal sealed record IssuedToken(string Token, DateTimeOffset ExpiresOn)
{
    public override string ToString() => $"token expiring {ExpiresOn:O}";
}

/// <summary>
/// Entra ID for the tests: hands out the token the test chose last, JWT-shaped (header, payload with <c>oid</c> and
/// <c>exp</c>, a random signature) like the real ones, with the lifetime the test sets.
/// </summary>
internal sealed class FakeEntraCredential : TokenCredential
{
    private readonly Lock _lock = new();
    private readonly List<string> _scopes = [];
    private IssuedToken? _current;

    public IReadOnlyList<string> RequestedScopes
    {
        get
        {
            lock (_lock)
            {
                return [.. _scopes];
            }
        }
    }

    public static IssuedToken Mint(string oid, TimeSpan lifetime)
    {
        DateTimeOffset expiresOn = DateTimeOffset.UtcNow + lifetime;
        string header = Base64UrlEncoder.Encode("""{"typ":"JWT","alg":"RS256"}""");
        string payload = Base64UrlEncoder.Encode(
            $$"""{"aud":"https://redis.azure.com","oid":"{{oid}}","exp":{{expiresOn.ToUnixTimeSeconds()}},"jti":"{{Guid.NewGuid():N}}"}""");
        return new IssuedToken($"{header}.{payload}.{Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32))}", expiresOn);
    }

    /// <summary>From now on, every request gets <paramref name="token"/>.</summary>
    public void HandOut(IssuedToken token)
    {
        lock (_lock)
        {
            _current = token;
        }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _scopes.AddRange(requestContext.Scopes);
            IssuedToken token = _current ?? throw new InvalidOperationException("The test has handed out no token yet.");
            return new AccessToken(token.Token, token.ExpiresOn);
        }
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
