using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.Core.Auth;

/// <summary>
/// Checks the <c>Authorization: Bearer &lt;JWT&gt;</c> of a management request: signature, issuer, audience and
/// lifetime first, then the claims this service needs (<c>sub</c>, the tenant, the admin role).
/// In development the JWT is HS256 signed with <see cref="AuthOptions.SigningKey"/>; in production the keys come
/// from the OIDC discovery document of <see cref="AuthOptions.Authority"/>.
/// </summary>
internal sealed partial class AdminAuthenticator
{
    public const int MaximumTenantIdLength = 128;

    private const string SubjectClaim = "sub";
    private const string RolesClaim = "roles";

    // The tenant id becomes a Table Storage partition key, which may not hold these.
    private static readonly char[] ForbiddenTenantCharacters = ['/', '\\', '#', '?'];

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SymmetricSecurityKey? _developmentKey;
    private readonly SigningKeyDiscovery? _discovery;

    public AdminAuthenticator(IOptions<AuthOptions> options, TimeProvider time, ILogger<AdminAuthenticator> logger)
        : this(options, time, logger, discovery: null)
    {
    }

    /// <param name="discovery">Tests pass their own; null builds the one that reads the authority's discovery document.</param>
    internal AdminAuthenticator(
        IOptions<AuthOptions> options,
        TimeProvider time,
        ILogger<AdminAuthenticator> logger,
        IConfigurationManager<OpenIdConnectConfiguration>? discovery)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);

        _options = options.Value;
        _time = time;
        _logger = logger;

        if (!string.IsNullOrEmpty(_options.SigningKey))
        {
            _developmentKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_options.SigningKey));
        }
        else
        {
            _discovery = discovery is null ? SigningKeyDiscovery.For(_options.Authority, logger) : new SigningKeyDiscovery(discovery, logger);
        }
    }

    public async Task<AuthenticationResult> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken = default)
    {
        string? failure = JwtRules.ReadBearerToken(authorizationHeader, out string jwt);
        if (failure is not null)
        {
            LogMissingBearerToken(_logger, failure);
            return AuthenticationResult.Unauthenticated(failure);
        }

        TokenValidationParameters parameters = JwtRules.Parameters(_options, _developmentKey, _time);
        OpenIdConnectConfiguration? configuration = null;
        if (_discovery is not null)
        {
            configuration = await _discovery.GetAsync(cancellationToken).ConfigureAwait(false);
            if (configuration is null)
            {
                return AuthenticationResult.Unauthenticated("The identity provider's signing keys are unavailable; try again later.");
            }

            parameters.IssuerSigningKeys = configuration.SigningKeys;
        }

        TokenValidationResult result = await _handler.ValidateTokenAsync(jwt, parameters).ConfigureAwait(false);

        // An unknown key id usually means the provider has rotated its keys since the last fetch: ask once for
        // fresh ones. The manager rate-limits refreshes, so a flood of bad tokens cannot hammer the provider.
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && _discovery is not null)
        {
            if (await _discovery.RefreshAsync(configuration, cancellationToken).ConfigureAwait(false) is { } refreshed)
            {
                parameters.IssuerSigningKeys = refreshed.SigningKeys;
                result = await _handler.ValidateTokenAsync(jwt, parameters).ConfigureAwait(false);
            }
        }

        if (!result.IsValid)
        {
            string reason = JwtRules.DescribeFailure(result.Exception);
            string error = result.Exception is null ? "none" : result.Exception.GetType().Name;
            LogTokenRejected(_logger, reason, error);
            return AuthenticationResult.Unauthenticated(reason);
        }

        return CheckClaims((JsonWebToken)result.SecurityToken);
    }

    private AuthenticationResult CheckClaims(JsonWebToken token)
    {
        if (!token.TryGetPayloadValue(SubjectClaim, out object? subject)
            || subject is not string actor
            || string.IsNullOrWhiteSpace(actor))
        {
            return RejectClaims("The bearer token lacks the subject claim 'sub'.");
        }

        string tenantClaim = _options.TenantClaim;
        if (!token.TryGetPayloadValue(tenantClaim, out object? tenant)
            || tenant is not string tenantId
            || tenantId.Length == 0)
        {
            return RejectClaims($"The bearer token lacks the tenant claim '{tenantClaim}'.");
        }

        if (!IsValidTenantId(tenantId))
        {
            return RejectClaims($"The tenant claim '{tenantClaim}' is not a valid tenant id.");
        }

        if (!HasRole(token, _options.AdminRole))
        {
            LogRoleMissing(_logger, actor, tenantId, _options.AdminRole);
            return AuthenticationResult.Forbidden($"The bearer token lacks the role '{_options.AdminRole}'.");
        }

        return AuthenticationResult.Success(new Admin(tenantId, actor));
    }

    private AuthenticationResult RejectClaims(string reason)
    {
        LogClaimsRejected(_logger, reason);
        return AuthenticationResult.Unauthenticated(reason);
    }

    internal static bool IsValidTenantId(string tenantId) =>
        tenantId.Length is > 0 and <= MaximumTenantIdLength
        && !string.IsNullOrWhiteSpace(tenantId)
        && tenantId.IndexOfAny(ForbiddenTenantCharacters) < 0
        && !tenantId.Any(char.IsControl);

    // Identity providers write a single role as a plain string and several as an array; accept both.
    private static bool HasRole(JsonWebToken token, string role)
    {
        if (!token.TryGetPayloadValue(RolesClaim, out object? roles))
        {
            return false;
        }

        return roles switch
        {
            string single => string.Equals(single, role, StringComparison.Ordinal),
            JsonElement { ValueKind: JsonValueKind.Array } many => many.EnumerateArray().Any(element =>
                element.ValueKind == JsonValueKind.String && element.ValueEquals(role)),
            _ => false,
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Admin request without a usable bearer token: {Reason}")]
    private static partial void LogMissingBearerToken(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin bearer token rejected: {Reason} ({Error})")]
    private static partial void LogTokenRejected(ILogger logger, string reason, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin bearer token rejected after validation: {Reason}")]
    private static partial void LogClaimsRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin {Actor} of tenant {TenantId} lacks the role {Role}")]
    private static partial void LogRoleMissing(ILogger logger, string actor, string tenantId, string role);
}
