using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>Admin JWTs for the tests, signed with the development key LocalHostFactory configures.</summary>
public static class TestJwt
{
    /// <param name="now">The host's clock where a test moves it (FakeTimeProvider); the JWT must be valid then.</param>
    public static string Admin(string tenant, string subject = "admin@test", DateTimeOffset? now = null) => Create(
        new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["tid"] = tenant,
            ["roles"] = new[] { "TokenAdmin" },
        },
        expires: now?.AddHours(1),
        issuedAt: now?.AddMinutes(-1));

    /// <summary>A JWT with exactly these claims; the defaults give issuer, audience, a valid lifetime and the dev key.</summary>
    public static string Create(
        IDictionary<string, object> claims,
        string issuer = LocalHostFactory.Issuer,
        string audience = LocalHostFactory.Audience,
        string signingKey = LocalHostFactory.SigningKey,
        DateTimeOffset? expires = null,
        DateTimeOffset? issuedAt = null)
    {
        DateTimeOffset issued = issuedAt ?? DateTimeOffset.UtcNow.AddMinutes(-1);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issued.UtcDateTime,
            NotBefore = issued.UtcDateTime,
            Expires = (expires ?? DateTimeOffset.UtcNow.AddHours(1)).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>An unsigned token (<c>alg: none</c>) with admin claims: must always be refused.</summary>
    public static string Unsigned(string tenant)
    {
        long exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        string header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        string payload = Base64UrlEncoder.Encode(
            $$"""{"iss":"{{LocalHostFactory.Issuer}}","aud":"{{LocalHostFactory.Audience}}","exp":{{exp}},"sub":"x","tid":"{{tenant}}","roles":["TokenAdmin"]}""");
        return $"{header}.{payload}.";
    }
}
