using Microsoft.IdentityModel.JsonWebTokens;

namespace BlueTokens.Core.Caching;

/// <summary>
/// What Azure Managed Redis takes to sign in: the identity's object id as the user name and the Entra ID access
/// token as the password. <see cref="ToString"/> leaves the token out, so that no log line can carry it.
/// </summary>
internal sealed record RedisAccessToken(string User, string Password, DateTimeOffset ExpiresOn)
{
    /// <summary>
    /// The <c>oid</c> claim of <paramref name="accessToken"/>, read from its payload without checking the signature:
    /// the token comes straight from Entra ID, and Redis is the party that validates it. Null when it is not a JWT or
    /// carries no object id.
    /// </summary>
    public static string? ReadObjectId(string accessToken)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(accessToken);
        }
        catch (ArgumentException)
        {
            // Malformed: the base class of the library's SecurityTokenMalformedException, and its null or empty check.
            return null;
        }

        return jwt.TryGetPayloadValue("oid", out string? oid) && !string.IsNullOrWhiteSpace(oid) ? oid : null;
    }

    public override string ToString() => $"RedisAccessToken {{ User = {User}, ExpiresOn = {ExpiresOn:O} }}";
}
