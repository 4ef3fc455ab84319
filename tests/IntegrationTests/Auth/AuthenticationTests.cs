using System.Net;
using System.Text;
using System.Text.Json;
using BlueTokens.IntegrationTests.Infrastructure;

namespace BlueTokens.IntegrationTests.Auth;

/// <summary>
/// API.md, "Authentication of the management API": every management route and verb refuses each kind of bad JWT
/// with 401 <c>unauthenticated</c> (and <c>WWW-Authenticate: Bearer</c>), a valid JWT without the admin role
/// with 403 <c>forbidden</c>, and a refused call writes nothing. The {id} routes name a real client of the
/// caller's tenant, so a 404 cannot pass for a refusal.
/// </summary>
[Collection(StackTests.Name)]
public sealed class AuthenticationTests(StackFixture stack) : ApiTestBase(stack)
{
    // 48 characters, as long as a real key, but not the one the host trusts.
    private const string ForeignSigningKey = "a-different-signing-key-nobody-trusts-0123456789";

    /// <summary>Every management route and verb, with a body that a valid admin's call would succeed with.</summary>
    private static readonly (string Route, string? Body, HttpStatusCode Success)[] Routes =
    [
        ("POST /api/clients", """{"name":"Intruder","role":"analyst"}""", HttpStatusCode.Created),
        ("GET /api/clients", null, HttpStatusCode.OK),
        ("GET /api/clients/{id}", null, HttpStatusCode.OK),
        ("PATCH /api/clients/{id}", """{"name":"Renamed"}""", HttpStatusCode.OK),
        ("DELETE /api/clients/{id}", null, HttpStatusCode.NoContent),
        ("GET /api/clients/{id}/token", null, HttpStatusCode.OK),
        ("POST /api/clients/{id}/disable", null, HttpStatusCode.OK),
        ("POST /api/clients/{id}/enable", null, HttpStatusCode.OK),
        ("POST /api/clients/{id}/token/regenerate", """{"expiresInDays":30}""", HttpStatusCode.OK),
        ("GET /api/audit", null, HttpStatusCode.OK),
    ];

    /// <summary>Each Authorization header that must be refused as 401, by the tenant it is made for.</summary>
    private static readonly Dictionary<string, Func<string, string?>> Unauthenticated = new()
    {
        ["no Authorization header"] = _ => null,
        ["Basic scheme"] = _ => "Basic abc",
        ["Bearer with garbage"] = _ => "Bearer not.a-jwt",
        ["alg none"] = tenant => "Bearer " + TestJwt.Unsigned(tenant),
        ["wrong signing key"] = tenant => "Bearer " + TestJwt.Create(AdminClaims(tenant), signingKey: ForeignSigningKey),
        ["wrong issuer"] = tenant => "Bearer " + TestJwt.Create(AdminClaims(tenant), issuer: "https://issuer.evil.test"),
        ["wrong audience"] = tenant => "Bearer " + TestJwt.Create(AdminClaims(tenant), audience: "some-other-api"),
        ["expired"] = tenant => "Bearer " + TestJwt.Create(
            AdminClaims(tenant), expires: DateTimeOffset.UtcNow.AddMinutes(-10), issuedAt: DateTimeOffset.UtcNow.AddHours(-1)),
        ["missing sub"] = tenant => "Bearer " + TestJwt.Create(Without(AdminClaims(tenant), "sub")),
        ["missing tid"] = tenant => "Bearer " + TestJwt.Create(Without(AdminClaims(tenant), "tid")),
    };

    /// <summary>Valid JWTs of the client's own tenant that lack the admin role.</summary>
    private static readonly Dictionary<string, Func<string, string>> WithoutAdminRole = new()
    {
        ["roles Reader"] = tenant => "Bearer " + TestJwt.Create(new Dictionary<string, object>
        {
            ["sub"] = "reader@test",
            ["tid"] = tenant,
            ["roles"] = new[] { "Reader" },
        }),
        ["roles Reader as a single string"] = tenant => "Bearer " + TestJwt.Create(new Dictionary<string, object>
        {
            ["sub"] = "reader@test",
            ["tid"] = tenant,
            ["roles"] = "Reader",
        }),
        ["no roles claim"] = tenant => "Bearer " + TestJwt.Create(Without(AdminClaims(tenant), "roles")),
    };

    public static TheoryData<string, string> RoutesTimesUnauthenticated() => Cross(Unauthenticated.Keys);

    public static TheoryData<string, string> RoutesTimesWithoutAdminRole() => Cross(WithoutAdminRole.Keys);

    public static TheoryData<string> AllRoutes() => new(Routes.Select(route => route.Route));

    [Theory]
    [MemberData(nameof(RoutesTimesUnauthenticated))]
    public async Task ManagementRoute_Returns401Unauthenticated_ForABadBearerToken_AndChangesNothing(string route, string credential)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Target");
        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString);

        using HttpResponseMessage response = await SendAsync(admin, route, client.Id, Unauthenticated[credential](admin.Tenant));

        Assert.True((int)response.StatusCode < 500, $"{route} with {credential} answered {(int)response.StatusCode}");
        await response.AssertProblemAsync(401, "unauthenticated");
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString));
    }

    [Theory]
    [MemberData(nameof(RoutesTimesWithoutAdminRole))]
    public async Task ManagementRoute_Returns403Forbidden_ForAValidTokenWithoutTheAdminRole_AndChangesNothing(string route, string credential)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Target");
        string before = await StoreSnapshot.TakeAsync(Stack.StorageConnectionString);

        using HttpResponseMessage response = await SendAsync(admin, route, client.Id, WithoutAdminRole[credential](admin.Tenant));

        await response.AssertProblemAsync(403, "forbidden");
        Assert.Equal(before, await StoreSnapshot.TakeAsync(Stack.StorageConnectionString));
    }

    /// <summary>The control for the two theories above: the very same requests succeed with an admin's JWT.</summary>
    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task ManagementRoute_Succeeds_ForAValidAdminToken(string route)
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Target");

        using HttpResponseMessage response = await SendAsync(admin, route, client.Id, "Bearer " + TestJwt.Admin(admin.Tenant));

        HttpStatusCode expected = Routes.Single(r => r.Route == route).Success;
        Assert.True(response.StatusCode == expected, $"{route} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task AdminRole_GivenAsASingleString_IsAccepted()
    {
        AdminApi admin = NewTenant();
        AdminApi.Created client = await admin.CreateAsync("Target");
        string jwt = TestJwt.Create(new Dictionary<string, object>
        {
            ["sub"] = "admin@test",
            ["tid"] = admin.Tenant,
            ["roles"] = "TokenAdmin",
        });

        using HttpResponseMessage list = await SendAsync(admin, "GET /api/clients", client.Id, "Bearer " + jwt);
        string text = await list.Content.ReadAsStringAsync();

        Assert.True(list.StatusCode == HttpStatusCode.OK, $"GET /api/clients answered {(int)list.StatusCode}: {text}");
        JsonElement items = JsonDocument.Parse(text).RootElement.GetProperty("items");
        Assert.Equal([client.Id], items.EnumerateArray().Select(item => item.GetProperty("id").GetString()));
    }

    private static Task<HttpResponseMessage> SendAsync(AdminApi admin, string route, string clientId, string? authorization)
    {
        string[] parts = route.Split(' ', 2);
        var request = new HttpRequestMessage(new HttpMethod(parts[0]), parts[1].Replace("{id}", clientId, StringComparison.Ordinal));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (Routes.Single(r => r.Route == route).Body is { } body)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return admin.Http.SendAsync(request);
    }

    private static Dictionary<string, object> AdminClaims(string tenant) => new()
    {
        ["sub"] = "admin@test",
        ["tid"] = tenant,
        ["roles"] = new[] { "TokenAdmin" },
    };

    private static Dictionary<string, object> Without(Dictionary<string, object> claims, string name)
    {
        claims.Remove(name);
        return claims;
    }

    private static TheoryData<string, string> Cross(IEnumerable<string> credentials)
    {
        var data = new TheoryData<string, string>();
        foreach ((string route, _, _) in Routes)
        {
            foreach (string credential in credentials)
            {
                data.Add(route, credential);
            }
        }

        return data;
    }
}
