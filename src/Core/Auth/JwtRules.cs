using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.Core.Auth;

/// <summary>
/// The rules an admin JWT is held to before its claims are read: how the header carries it, which algorithms,
/// issuer, audience and lifetime are accepted, and the words a caller is told when one of them fails.
/// </summary>
internal static class JwtRules
{
    private const string BearerScheme = "Bearer";

    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private static readonly string[] DevelopmentAlgorithms = [SecurityAlgorithms.HmacSha256];

    private static readonly string[] ProductionAlgorithms =
    [
        SecurityAlgorithms.RsaSha256,
        SecurityAlgorithms.RsaSha384,
        SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.EcdsaSha256,
        SecurityAlgorithms.EcdsaSha384,
        SecurityAlgorithms.RsaSsaPssSha256,
    ];

    /// <summary>The JWT of an <c>Authorization: Bearer</c> header, or why there is none (then <paramref name="jwt"/> is empty).</summary>
    public static string? ReadBearerToken(string? header, out string jwt)
    {
        jwt = "";
        if (string.IsNullOrWhiteSpace(header))
        {
            return "The request has no Authorization header.";
        }

        ReadOnlySpan<char> value = header.AsSpan().Trim();
        if (!value.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase)
            || (value.Length > BearerScheme.Length && value[BearerScheme.Length] != ' '))
        {
            return "The Authorization header must use the Bearer scheme.";
        }

        ReadOnlySpan<char> token = value[BearerScheme.Length..].Trim();
        if (token.IsEmpty)
        {
            return "The bearer token is empty.";
        }

        jwt = token.ToString();
        return null;
    }

    /// <summary>HS256 under the development key where there is one, else the asymmetric algorithms of an identity provider.</summary>
    public static TokenValidationParameters Parameters(AuthOptions options, SymmetricSecurityKey? developmentKey, TimeProvider time) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = ClockSkew,
        LifetimeValidator = (notBefore, expires, _, _) => ValidateLifetime(notBefore, expires, time.GetUtcNow().UtcDateTime),
        IssuerSigningKey = developmentKey,
        ValidAlgorithms = developmentKey is null ? ProductionAlgorithms : DevelopmentAlgorithms,
    };

    public static string DescribeFailure(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenNoExpirationException => "The bearer token has no expiry.",
        SecurityTokenInvalidLifetimeException => "The bearer token's lifetime is not valid.",
        SecurityTokenInvalidIssuerException => "The bearer token was issued by an issuer this service does not trust.",
        SecurityTokenInvalidAudienceException => "The bearer token is meant for another audience.",
        SecurityTokenInvalidAlgorithmException => "The bearer token is signed with an algorithm this service does not accept.",
        SecurityTokenSignatureKeyNotFoundException => "The bearer token is signed with a key this service does not know.",
        SecurityTokenInvalidSignatureException => "The bearer token's signature is not valid.",
        SecurityTokenMalformedException or ArgumentException => "The bearer token is not a well-formed JWT.",
        _ => "The bearer token is not valid.",
    };

    // The library's own lifetime check reads the wall clock; this one reads the injected TimeProvider. It throws
    // the library's exceptions so the caller can tell an expired token from one that is not valid yet.
    private static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, DateTime now)
    {
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no expiry.");
        }

        if (notBefore is not null && notBefore > expires)
        {
            throw new SecurityTokenInvalidLifetimeException("The token's not-before is after its expiry.")
            {
                NotBefore = notBefore,
                Expires = expires,
            };
        }

        if (notBefore is not null && notBefore.Value > now.Add(ClockSkew))
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = notBefore.Value };
        }

        if (expires.Value < now.Subtract(ClockSkew))
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }

        return true;
    }
}
