using System.Text;
using BlueTokens.Core.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.LocalHost;

/// <summary>Mints an admin JWT with the development signing key, for the run command to print.</summary>
internal static class DevelopmentToken
{
    public static string Create(AuthOptions auth, string tenant, string subject, DateTimeOffset now, TimeSpan lifetime)
    {
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey!));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                [auth.TenantClaim] = tenant,
                ["roles"] = new[] { auth.AdminRole },
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }
}
