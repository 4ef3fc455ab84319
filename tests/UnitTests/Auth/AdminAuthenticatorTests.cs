using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BlueTokens.Core.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Moq;

namespace BlueTokens.UnitTests.Auth;

public sealed class AdminAuthenticatorTests : IDisposable
{
    private const string Issuer = "https://issuer.example.test/";
    private const string Audience = "api://blue-tokens";
    // 64 bytes, long enough for HS512 too, so the algorithm test fails on the algorithm and not on the key size.
    private const string DevelopmentKey = "development-signing-key-long-enough-for-hs256-and-for-hs512-too!";

    private const string NoSubject = "The bearer token lacks the subject claim 'sub'.";
    private const string NoTenant = "The bearer token lacks the tenant claim 'tid'.";
    private const string BadTenant = "The tenant claim 'tid' is not a valid tenant id.";
    private const string NoAdminRole = "The bearer token lacks the role 'TokenAdmin'.";

    // Far from the wall clock, so a lifetime check that ignored the injected TimeProvider would fail.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2031, 3, 4, 5, 6, 7, TimeSpan.Zero));
    private readonly RSA _rsa = RSA.Create(2048);

    public void Dispose() => _rsa.Dispose();

    [Fact]
    public async Task Authenticate_ReturnsAuthenticated_WithTenantAndActor()
    {
        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(Mint(AdminClaims())));

        Assert.Equal(AuthenticationStatus.Authenticated, result.Status);
        Assert.True(result.IsAuthenticated);
        Assert.Equal(new Admin("tenant-a", "alice"), result.Admin);
        Assert.Null(result.Failure);
    }

    [Fact]
    public async Task Authenticate_AcceptsTheBearerSchemeInAnyCase()
    {
        AuthenticationResult result = await Development().AuthenticateAsync("bEaReR " + Mint(AdminClaims()));

        Assert.Equal(AuthenticationStatus.Authenticated, result.Status);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Authenticate_ReturnsUnauthenticated_WhenHeaderIsMissing(string? header)
    {
        AuthenticationResult result = await Development().AuthenticateAsync(header);

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_ForAnotherScheme()
    {
        AuthenticationResult result = await Development().AuthenticateAsync("Basic xyz");

        AssertUnauthenticated(result);
        Assert.Contains("Bearer", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenSchemeRunsIntoTheToken()
    {
        AuthenticationResult result = await Development().AuthenticateAsync("Bearer" + Mint(AdminClaims()));

        AssertUnauthenticated(result);
    }

    [Theory]
    [InlineData("Bearer ")]
    [InlineData("Bearer")]
    [InlineData("Bearer    ")]
    public async Task Authenticate_ReturnsUnauthenticated_WhenBearerTokenIsEmpty(string header)
    {
        AuthenticationResult result = await Development().AuthenticateAsync(header);

        AssertUnauthenticated(result);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("a.b.c")]
    [InlineData("blue_0123456789abcdef")]
    public async Task Authenticate_ReturnsUnauthenticated_ForGarbage(string token)
    {
        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
        Assert.DoesNotContain(token, result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenAlgIsNone()
    {
        DateTimeOffset now = _time.GetUtcNow();
        string header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        Dictionary<string, object> claims = AdminClaims();
        claims["iss"] = Issuer;
        claims["aud"] = Audience;
        claims["nbf"] = now.ToUnixTimeSeconds();
        claims["exp"] = now.AddMinutes(10).ToUnixTimeSeconds();
        string payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims));

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer($"{header}.{payload}."));

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenSignedWithAnotherKey()
    {
        var otherKey = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        string token = Mint(AdminClaims(), new SigningCredentials(otherKey, SecurityAlgorithms.HmacSha256));

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenDevelopmentKeyIsUsedWithAnotherAlgorithm()
    {
        string token = Mint(AdminClaims(), new SigningCredentials(DevelopmentSigningKey(), SecurityAlgorithms.HmacSha512));

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_ForWrongIssuer()
    {
        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(Mint(AdminClaims(), issuer: "https://evil.example.test/")));

        AssertUnauthenticated(result);
        Assert.Equal("The bearer token was issued by an issuer this service does not trust.", result.Failure);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_ForWrongAudience()
    {
        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(Mint(AdminClaims(), audience: "api://something-else")));

        AssertUnauthenticated(result);
        Assert.Equal("The bearer token is meant for another audience.", result.Failure);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenExpired()
    {
        AdminAuthenticator authenticator = Development();
        string token = Mint(AdminClaims(), lifetime: TimeSpan.FromMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        AuthenticationResult result = await authenticator.AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
        Assert.Equal("The bearer token has expired.", result.Failure);
    }

    [Fact]
    public async Task Authenticate_AcceptsAnExpiredToken_WithinTheClockSkew()
    {
        AdminAuthenticator authenticator = Development();
        string token = Mint(AdminClaims(), lifetime: TimeSpan.FromMinutes(10));
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30));

        AuthenticationResult result = await authenticator.AuthenticateAsync(Bearer(token));

        Assert.Equal(AuthenticationStatus.Authenticated, result.Status);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenNotYetValid()
    {
        string token = Mint(AdminClaims(), notBefore: _time.GetUtcNow().AddMinutes(5));

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
        Assert.Equal("The bearer token is not valid yet.", result.Failure);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WithoutExpiry()
    {
        DateTimeOffset now = _time.GetUtcNow();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = AdminClaims(),
            NotBefore = now.UtcDateTime,
            SigningCredentials = new SigningCredentials(DevelopmentSigningKey(), SecurityAlgorithms.HmacSha256),
        };
        string token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
        Assert.Equal("The bearer token has no expiry.", result.Failure);
    }

    /// <summary>
    /// One claim of an otherwise valid admin token changed, with the status that change must get and the reason
    /// the caller is told (the subject and tenant must be usable, the tenant a Table Storage partition key of at
    /// most 128 characters, the roles hold TokenAdmin exactly, as an array or a single string).
    /// </summary>
    private static readonly Dictionary<string, (Action<Dictionary<string, object>> Change, AuthenticationStatus Status, string? Failure)> ClaimChanges = new()
    {
        ["roles a single string TokenAdmin"] = (claims => claims["roles"] = "TokenAdmin", AuthenticationStatus.Authenticated, null),
        ["tid of 128 characters"] = (claims => claims["tid"] = new string('t', 128), AuthenticationStatus.Authenticated, null),
        ["sub removed"] = (claims => claims.Remove("sub"), AuthenticationStatus.Unauthenticated, NoSubject),
        ["sub empty"] = (claims => claims["sub"] = "", AuthenticationStatus.Unauthenticated, NoSubject),
        ["sub of spaces"] = (claims => claims["sub"] = "   ", AuthenticationStatus.Unauthenticated, NoSubject),
        ["tid removed"] = (claims => claims.Remove("tid"), AuthenticationStatus.Unauthenticated, NoTenant),
        ["tid empty"] = (claims => claims["tid"] = "", AuthenticationStatus.Unauthenticated, NoTenant),
        ["tid a number"] = (claims => claims["tid"] = 42, AuthenticationStatus.Unauthenticated, NoTenant),
        ["tid of spaces"] = (claims => claims["tid"] = "   ", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with '/'"] = (claims => claims["tid"] = "tenant/a", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with '\\'"] = (claims => claims["tid"] = "a\\b", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with '#'"] = (claims => claims["tid"] = "a#b", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with '?'"] = (claims => claims["tid"] = "a?b", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with U+0001"] = (claims => claims["tid"] = "a\u0001b", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with U+007F"] = (claims => claims["tid"] = "a\u007Fb", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid with U+0085"] = (claims => claims["tid"] = "a\u0085b", AuthenticationStatus.Unauthenticated, BadTenant),
        ["tid of 129 characters"] = (claims => claims["tid"] = new string('t', 129), AuthenticationStatus.Unauthenticated, BadTenant),
        ["roles removed"] = (claims => claims.Remove("roles"), AuthenticationStatus.Forbidden, NoAdminRole),
        ["roles empty"] = (claims => claims["roles"] = Array.Empty<string>(), AuthenticationStatus.Forbidden, NoAdminRole),
        ["roles only others, one differing in case"] = (claims => claims["roles"] = new[] { "Reader", "tokenadmin" }, AuthenticationStatus.Forbidden, NoAdminRole),
        ["roles a single other string"] = (claims => claims["roles"] = "Reader", AuthenticationStatus.Forbidden, NoAdminRole),
    };

    public static TheoryData<string> ClaimChangeNames => new(ClaimChanges.Keys);

    [Theory]
    [MemberData(nameof(ClaimChangeNames))]
    public async Task Authenticate_AnswersByTheClaims_WhenOneClaimIsChanged(string change)
    {
        (Action<Dictionary<string, object>> apply, AuthenticationStatus status, string? failure) = ClaimChanges[change];
        Dictionary<string, object> claims = AdminClaims();
        apply(claims);

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(Mint(claims)));

        Assert.Equal(status, result.Status);
        Assert.Equal(failure, result.Failure);
        Assert.Equal(status == AuthenticationStatus.Authenticated ? new Admin((string)claims["tid"], "alice") : null, result.Admin);
    }

    [Fact]
    public async Task Authenticate_HonoursACustomTenantClaimAndRole()
    {
        AdminAuthenticator authenticator = Development(options =>
        {
            options.TenantClaim = "org";
            options.AdminRole = "Blue.Admin";
        });
        Dictionary<string, object> custom = AdminClaims();
        custom.Remove("tid");
        custom["org"] = "org-7";
        custom["roles"] = new[] { "Blue.Admin" };
        Dictionary<string, object> standard = AdminClaims();

        AuthenticationResult accepted = await authenticator.AuthenticateAsync(Bearer(Mint(custom)));
        AuthenticationResult rejected = await authenticator.AuthenticateAsync(Bearer(Mint(standard)));

        Assert.Equal(new Admin("org-7", "alice"), accepted.Admin);
        AssertUnauthenticated(rejected);
        Assert.Equal("The bearer token lacks the tenant claim 'org'.", rejected.Failure);
    }

    [Fact]
    public async Task Authenticate_NeverLogsTheToken()
    {
        var logger = new ListLogger();
        AdminAuthenticator authenticator = new(Options.Create(DevelopmentOptions()), _time, logger);
        Dictionary<string, object> noRole = AdminClaims();
        noRole.Remove("roles");
        Dictionary<string, object> badTenant = AdminClaims();
        badTenant["tid"] = "a/b";
        string[] tokens =
        [
            Mint(AdminClaims(), issuer: "https://evil.example.test/"),
            Mint(noRole),
            Mint(badTenant),
            "not-a-jwt-but-secret",
        ];

        foreach (string token in tokens)
        {
            await authenticator.AuthenticateAsync(Bearer(token));
        }

        Assert.Equal(tokens.Length, logger.Messages.Count);
        foreach (string token in tokens)
        {
            Assert.All(logger.Messages, message => Assert.DoesNotContain(token, message, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Authenticate_AcceptsRs256_FromTheDiscoveredKeys()
    {
        Mock<IConfigurationManager<OpenIdConnectConfiguration>> discovery = Discovery(RsaPublicKey("rsa-1"));
        string token = Mint(AdminClaims(), RsaCredentials("rsa-1"));

        AuthenticationResult result = await Production(discovery.Object).AuthenticateAsync(Bearer(token));

        Assert.Equal(AuthenticationStatus.Authenticated, result.Status);
        Assert.Equal(new Admin("tenant-a", "alice"), result.Admin);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_ForHs256InProduction()
    {
        Mock<IConfigurationManager<OpenIdConnectConfiguration>> discovery = Discovery(RsaPublicKey("rsa-1"));
        string token = Mint(AdminClaims(), new SigningCredentials(DevelopmentSigningKey(), SecurityAlgorithms.HmacSha256));

        AuthenticationResult result = await Production(discovery.Object).AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_ForAnRsaKeyTheProviderDoesNotPublish()
    {
        Mock<IConfigurationManager<OpenIdConnectConfiguration>> discovery = Discovery(RsaPublicKey("rsa-1"));
        using RSA stranger = RSA.Create(2048);
        var strangerKey = new RsaSecurityKey(stranger) { KeyId = "rsa-1" };
        string token = Mint(AdminClaims(), new SigningCredentials(strangerKey, SecurityAlgorithms.RsaSha256));

        AuthenticationResult result = await Production(discovery.Object).AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_RefreshesDiscovery_WhenTheKeyIdIsUnknown()
    {
        using RSA retired = RSA.Create(2048);
        var retiredKey = new RsaSecurityKey(retired.ExportParameters(includePrivateParameters: false)) { KeyId = "rsa-1" };
        var discovery = new Mock<IConfigurationManager<OpenIdConnectConfiguration>>();
        discovery.SetupSequence(d => d.GetConfigurationAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(Configuration(retiredKey))
            .ReturnsAsync(Configuration(RsaPublicKey("rsa-2")));
        string token = Mint(AdminClaims(), RsaCredentials("rsa-2"));

        AuthenticationResult result = await Production(discovery.Object).AuthenticateAsync(Bearer(token));

        Assert.Equal(AuthenticationStatus.Authenticated, result.Status);
        discovery.Verify(d => d.RequestRefresh(), Times.Once());
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenDiscoveryFails()
    {
        var discovery = new Mock<IConfigurationManager<OpenIdConnectConfiguration>>();
        discovery.Setup(d => d.GetConfigurationAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("IDX20803: Unable to obtain configuration"));
        string token = Mint(AdminClaims(), RsaCredentials("rsa-1"));

        AuthenticationResult result = await Production(discovery.Object).AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
        Assert.Equal("The identity provider's signing keys are unavailable; try again later.", result.Failure);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenTheAuthorityIsUnreachable()
    {
        // The real discovery manager, pointed at a closed local port: the failure must not escape as an exception.
        var options = new AuthOptions { Authority = "http://127.0.0.1:9/", Issuer = Issuer, Audience = Audience };
        AdminAuthenticator authenticator = new(Options.Create(options), _time, NullLogger<AdminAuthenticator>.Instance);

        AuthenticationResult result = await authenticator.AuthenticateAsync(Bearer(Mint(AdminClaims(), RsaCredentials("rsa-1"))));

        AssertUnauthenticated(result);
    }

    [Fact]
    public async Task Authenticate_ReturnsUnauthenticated_WhenNotBeforeIsAfterExpiry()
    {
        // Both instants within the clock skew of now, so that only their order can refuse the token.
        DateTimeOffset now = _time.GetUtcNow();
        Dictionary<string, object> claims = AdminClaims();
        claims["nbf"] = now.AddSeconds(30).ToUnixTimeSeconds();
        claims["exp"] = now.AddSeconds(20).ToUnixTimeSeconds();
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            SigningCredentials = new SigningCredentials(DevelopmentSigningKey(), SecurityAlgorithms.HmacSha256),
        };
        string token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);

        AuthenticationResult result = await Development().AuthenticateAsync(Bearer(token));

        AssertUnauthenticated(result);
        Assert.Equal("The bearer token's lifetime is not valid.", result.Failure);
    }

    private static void AssertUnauthenticated(AuthenticationResult result)
    {
        Assert.Equal(AuthenticationStatus.Unauthenticated, result.Status);
        Assert.Null(result.Admin);
        Assert.False(string.IsNullOrWhiteSpace(result.Failure));
    }

    private static string Bearer(string token) => "Bearer " + token;

    private static Dictionary<string, object> AdminClaims() => new()
    {
        ["sub"] = "alice",
        ["tid"] = "tenant-a",
        ["roles"] = new[] { "Reader", "TokenAdmin" },
    };

    private string Mint(
        Dictionary<string, object> claims,
        SigningCredentials? credentials = null,
        string issuer = Issuer,
        string audience = Audience,
        DateTimeOffset? notBefore = null,
        TimeSpan? lifetime = null)
    {
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset validFrom = notBefore ?? now;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = validFrom.UtcDateTime,
            Expires = validFrom.Add(lifetime ?? TimeSpan.FromMinutes(10)).UtcDateTime,
            SigningCredentials = credentials ?? new SigningCredentials(DevelopmentSigningKey(), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private static SymmetricSecurityKey DevelopmentSigningKey() => new(Encoding.UTF8.GetBytes(DevelopmentKey));

    private static AuthOptions DevelopmentOptions() => new() { Issuer = Issuer, Audience = Audience, SigningKey = DevelopmentKey };

    private AdminAuthenticator Development(Action<AuthOptions>? configure = null)
    {
        AuthOptions options = DevelopmentOptions();
        configure?.Invoke(options);
        return new AdminAuthenticator(Options.Create(options), _time, NullLogger<AdminAuthenticator>.Instance);
    }

    private AdminAuthenticator Production(IConfigurationManager<OpenIdConnectConfiguration> discovery)
    {
        var options = new AuthOptions { Authority = "https://login.example.test/tenant/v2.0/", Issuer = Issuer, Audience = Audience };
        return new AdminAuthenticator(Options.Create(options), _time, NullLogger<AdminAuthenticator>.Instance, discovery);
    }

    private SigningCredentials RsaCredentials(string keyId) =>
        new(new RsaSecurityKey(_rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);

    private RsaSecurityKey RsaPublicKey(string keyId) => new(_rsa.ExportParameters(includePrivateParameters: false)) { KeyId = keyId };

    private static OpenIdConnectConfiguration Configuration(SecurityKey signingKey)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
        configuration.SigningKeys.Add(signingKey);
        return configuration;
    }

    private static Mock<IConfigurationManager<OpenIdConnectConfiguration>> Discovery(SecurityKey signingKey)
    {
        var discovery = new Mock<IConfigurationManager<OpenIdConnectConfiguration>>();
        discovery.Setup(d => d.GetConfigurationAsync(It.IsAny<CancellationToken>())).ReturnsAsync(Configuration(signingKey));
        return discovery;
    }

    private sealed class ListLogger : ILogger<AdminAuthenticator>
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Messages.Add(formatter(state, exception) + " " + exception);
        }
    }
}
