using System.Security.Cryptography;
using Azure.Core;
using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.UnitTests.Caching;

/// <summary>JWT-shaped strings as Entra ID issues them (header, payload, signature); the signature is random bytes.</summary>
internal static class FakeEntraToken
{
    public static string Create(string payloadJson) =>
        $"{Base64UrlEncoder.Encode("""{"typ":"JWT","alg":"RS256"}""")}.{Base64UrlEncoder.Encode(payloadJson)}.{Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32))}";

    public static AccessToken For(string oid, DateTimeOffset expiresOn) => new(
        Create($$"""{"aud":"https://redis.azure.com","oid":"{{oid}}","exp":{{expiresOn.ToUnixTimeSeconds()}},"jti":"{{Guid.NewGuid():N}}"}"""),
        expiresOn);
}

/// <summary>A credential that answers each request with the next step of its script: a token, or a failure.</summary>
internal sealed class ScriptedCredential : TokenCredential
{
    private readonly Lock _lock = new();
    private readonly Queue<Func<AccessToken>> _script = new();
    private readonly List<(DateTimeOffset At, string[] Scopes)> _requests = [];
    private readonly TimeProvider _time;

    public ScriptedCredential(TimeProvider time) => _time = time;

    public IReadOnlyList<(DateTimeOffset At, string[] Scopes)> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public void Then(Func<AccessToken> step)
    {
        lock (_lock)
        {
            _script.Enqueue(step);
        }
    }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => Next(requestContext);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Next(requestContext));

    private AccessToken Next(TokenRequestContext requestContext)
    {
        Func<AccessToken> step;
        lock (_lock)
        {
            _requests.Add((_time.GetUtcNow(), requestContext.Scopes));
            step = _script.Count > 0 ? _script.Dequeue() : throw new InvalidOperationException("The script has no step left.");
        }

        return step();
    }
}
