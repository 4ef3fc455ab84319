using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
internal partial class AdminAuthenticator
{
    public const int MaximumTenantIdLength = 128;

    private const string BearerScheme = "Bearer";
    private const string SubjectClaim = "sub";
    private const string RolesClaim = "roles";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

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

    // The tenant id becomes a Table Storage partition key, which may not hold these.
    private static readonly char[] ForbiddenTenantCharacters = ['/', '\\', '#', '?'];

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SymmetricSecurityKey? _developmentKey;
    private readonly IConfigurationManager<OpenIdConnectConfiguration>? _discovery;

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
            _discovery = discovery ?? CreateDiscovery(_options.Authority);
        }
    }

    /// <summary>For mocking only: a mock built this way must set up every member it is asked for.</summary>
    protected AdminAuthenticator()
    {
        _options = new AuthOptions();
        _time = TimeProvider.System;
        _logger = NullLogger.Instance;
    }

    public virtual async Task<AuthenticationResult> AuthenticateAsync(string? authorizationHeader, CancellationToken cancellationToken = default)
    {
        string? failure = ReadBearerToken(authorizationHeader, out string jwt);
        if (failure is not null)
        {
            LogMissingBearerToken(_logger, failure);
            return AuthenticationResult.Unauthenticated(failure);
        }

        TokenValidationParameters parameters = CreateValidationParameters();
        OpenIdConnectConfiguration? configuration = null;
        if (_discovery is not null)
        {
            configuration = await GetDiscoveryAsync(cancellationToken).ConfigureAwait(false);
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
            _discovery.RequestRefresh();
            OpenIdConnectConfiguration? refreshed = await GetDiscoveryAsync(cancellationToken).ConfigureAwait(false);
            if (refreshed is not null && !ReferenceEquals(refreshed, configuration))
            {
                parameters.IssuerSigningKeys = refreshed.SigningKeys;
                result = await _handler.ValidateTokenAsync(jwt, parameters).ConfigureAwait(false);
            }
        }

        if (!result.IsValid)
        {
            string reason = DescribeValidationFailure(result.Exception);
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

    private static string? ReadBearerToken(string? header, out string jwt)
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

    private TokenValidationParameters CreateValidationParameters() => new()
    {
        ValidIssuer = _options.Issuer,
        ValidAudience = _options.Audience,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = ClockSkew,
        LifetimeValidator = ValidateLifetime,
        IssuerSigningKey = _developmentKey,
        ValidAlgorithms = _developmentKey is null ? ProductionAlgorithms : DevelopmentAlgorithms,
    };

    // The library's own lifetime check reads the wall clock; this one reads the injected TimeProvider. It throws
    // the library's exceptions so the caller can tell an expired token from one that is not valid yet.
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
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

        DateTime now = _time.GetUtcNow().UtcDateTime;
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

    private async Task<OpenIdConnectConfiguration?> GetDiscoveryAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _discovery!.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The manager keeps serving the last good document when a refresh fails, so this only happens
            // before the first success; the caller gets a 401 rather than a 500 and may retry.
            LogDiscoveryFailed(_logger, ex);
            return null;
        }
    }

    private static string DescribeValidationFailure(Exception? exception) => exception switch
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

    private static ConfigurationManager<OpenIdConnectConfiguration> CreateDiscovery(string? authority)
    {
        string trimmed = authority?.TrimEnd('/') ?? "";
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out Uri? authorityUri))
        {
            throw new InvalidOperationException("Auth__Authority must be an absolute URL when Auth__SigningKey is not set.");
        }

        string metadataAddress = $"{trimmed}/.well-known/openid-configuration";
        var documents = new HttpDocumentRetriever
        {
            // Plain http is only tolerated when the authority itself says so (a local identity provider).
            RequireHttps = authorityUri.Scheme == Uri.UriSchemeHttps,
        };

        return new ConfigurationManager<OpenIdConnectConfiguration>(metadataAddress, new OpenIdConnectConfigurationRetriever(), documents)
        {
            AutomaticRefreshInterval = TimeSpan.FromHours(12),
            RefreshInterval = TimeSpan.FromMinutes(5),
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "OIDC discovery failed; admin requests are refused until the signing keys can be read")]
    private static partial void LogDiscoveryFailed(ILogger logger, Exception exception);
}
