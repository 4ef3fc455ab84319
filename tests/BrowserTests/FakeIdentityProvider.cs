using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using BlueTokens.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BlueTokens.BrowserTests;

/// <summary>
/// A small OpenID Connect provider on loopback, strict where the page's sign-in could go wrong: discovery, an
/// authorization endpoint that signs the one configured user in at once (checking the client, the registered
/// redirect URI and an S256 code challenge), a token endpoint that redeems each code once and only with the
/// verifier of its challenge, and the JWKS of its RSA key. The access token it issues is what the service's
/// production path validates (RS256, keys from discovery).
/// </summary>
internal sealed class FakeIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "blue-admin-page";
    public const string Audience = "api://blue-token-service";
    public const string Subject = "ada@contoso.example";

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key-1" };
    private readonly ConcurrentDictionary<string, Grant> _grants = new();
    private readonly ConcurrentQueue<string> _events = new();

    private FakeIdentityProvider(WebApplication app, string authority, string tenant, string redirectUri)
    {
        _app = app;
        Authority = authority;
        Tenant = tenant;
        RedirectUri = redirectUri;
    }

    /// <summary>The issuer and authority: <c>http://127.0.0.1:{port}</c>.</summary>
    public string Authority { get; }

    public string Tenant { get; }

    public string RedirectUri { get; }

    /// <summary>What happened, in order: "authorize", "token issued", or a refusal with its reason.</summary>
    public IReadOnlyCollection<string> Events => _events;

    /// <summary>The <c>response_mode</c> of the last authorization request ("query" when absent).</summary>
    public string? LastResponseMode { get; private set; }

    /// <summary>When set, the next authorization is refused with this description (access_denied, state echoed).</summary>
    public string? DenyNext { get; set; }

    /// <summary>When set, the next ID token carries a nonce other than the one asked for.</summary>
    public bool WrongNonceNext { get; set; }

    public static async Task<FakeIdentityProvider> StartAsync(string tenant, string redirectUri)
    {
        int port = ServerProcess.FreePort();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var provider = new FakeIdentityProvider(app, $"http://127.0.0.1:{port}", tenant, redirectUri);
        provider.Map(app);
        await app.StartAsync();
        return provider;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private void Map(WebApplication app)
    {
        // The page calls discovery and the token endpoint from its own origin.
        app.Use(async (context, next) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            await next(context);
        });

        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Authority,
            ["authorization_endpoint"] = $"{Authority}/authorize",
            ["token_endpoint"] = $"{Authority}/token",
            ["jwks_uri"] = $"{Authority}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["response_modes_supported"] = new[] { "query", "fragment" },
        }));

        app.MapGet("/jwks", () =>
        {
            JsonWebKey jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_key.Rsa.ExportParameters(false)) { KeyId = _key.KeyId });
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, alg = "RS256", n = jwk.N, e = jwk.E } } });
        });

        app.MapGet("/authorize", (HttpRequest request) =>
        {
            IQueryCollection q = request.Query;
            string? refusal =
                q["client_id"] != ClientId ? "unknown client_id"
                : q["redirect_uri"] != RedirectUri ? $"unregistered redirect_uri {q["redirect_uri"]}"
                : q["response_type"] != "code" ? "response_type must be code"
                : q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) ? "an S256 code challenge is required"
                : string.IsNullOrEmpty(q["state"]) ? "state is required"
                : !q["scope"].ToString().Split(' ').Contains("openid") ? "scope must include openid"
                : null;
            if (refusal is not null)
            {
                _events.Enqueue($"authorize refused: {refusal}");
                return Results.BadRequest(refusal);
            }

            // The response goes where the client asked: the fragment (never sent to a server) or the query.
            LastResponseMode = q["response_mode"].ToString() is { Length: > 0 } mode ? mode : "query";
            char separator = LastResponseMode == "fragment" ? '#' : '?';
            string state = Uri.EscapeDataString(q["state"]!);
            if (DenyNext is { } denial)
            {
                DenyNext = null;
                _events.Enqueue("authorize denied");
                return Results.Redirect($"{RedirectUri}{separator}error=access_denied&error_description={Uri.EscapeDataString(denial)}&state={state}");
            }

            string code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            string nonce = WrongNonceNext ? "not-the-nonce-asked-for" : q["nonce"].ToString();
            WrongNonceNext = false;
            _grants[code] = new Grant(q["code_challenge"]!, q["redirect_uri"]!, nonce);
            _events.Enqueue("authorize");
            return Results.Redirect($"{RedirectUri}{separator}code={code}&state={state}&session_state=s1");
        });

        app.MapPost("/token", async (HttpRequest request) =>
        {
            IFormCollection form = await request.ReadFormAsync();
            _grants.TryRemove(form["code"].ToString(), out Grant? grant); // a code is redeemable once, even when refused
            string? refusal =
                form["grant_type"] != "authorization_code" ? "unsupported grant_type"
                : form["client_id"] != ClientId ? "unknown client_id"
                : grant is null ? "unknown or used code"
                : form["redirect_uri"] != grant.RedirectUri ? "redirect_uri differs from the authorization request"
                : Challenge(form["code_verifier"].ToString()) != grant.Challenge ? "code_verifier does not match the challenge"
                : null;
            if (refusal is not null || grant is null)
            {
                _events.Enqueue($"token refused: {refusal}");
                return Results.Json(new { error = "invalid_grant", error_description = refusal }, statusCode: StatusCodes.Status400BadRequest);
            }

            _events.Enqueue("token issued");
            return Results.Json(new
            {
                access_token = Jwt(new Dictionary<string, object>
                {
                    ["aud"] = Audience,
                    ["sub"] = Subject,
                    ["tid"] = Tenant,
                    ["roles"] = new[] { "TokenAdmin" },
                    ["scp"] = "admin",
                }),
                id_token = Jwt(new Dictionary<string, object> { ["aud"] = ClientId, ["sub"] = Subject, ["nonce"] = grant.Nonce }),
                token_type = "Bearer",
                expires_in = 3600,
            });
        });
    }

    /// <summary>An access token this provider would issue to another of its users: an attacker's own, valid JWT.</summary>
    public string AccessTokenFor(string tenant, string subject) => Jwt(new Dictionary<string, object>
    {
        ["aud"] = Audience,
        ["sub"] = subject,
        ["tid"] = tenant,
        ["roles"] = new[] { "TokenAdmin" },
        ["scp"] = "admin",
    });

    private string Jwt(Dictionary<string, object> claims)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Claims = claims,
            Subject = new ClaimsIdentity(),
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private static string Challenge(string verifier) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    private sealed record Grant(string Challenge, string RedirectUri, string Nonce);
}
