using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// A tenant administrator calling the API over HTTP, as the UI does: JSON in, JSON out. Give the host's clock
/// where a test moves it, so that the admin's JWT is valid at the host's "now".
/// </summary>
public sealed class AdminApi(HttpClient http, string tenant, string subject = "admin@test", TimeProvider? clock = null)
{
    public string Tenant => tenant;

    public string Subject => subject;

    public HttpClient Http => http;

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? ifMatch = null, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer ?? TestJwt.Admin(tenant, subject, clock?.GetUtcNow()));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null, string? ifMatch = null) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : JsonSerializer.Serialize(body), ifMatch);

    /// <summary>Creates a client and returns the response body (<c>client</c>, <c>token</c>) and its ETag; fails the test otherwise.</summary>
    public async Task<Created> CreateAsync(string name, string role = "analyst", object? lifetime = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["role"] = role };
        foreach (var property in lifetime?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(lifetime);
        }

        using HttpResponseMessage response = await PostAsync("/api/clients", body);
        string text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Create {name} answered {(int)response.StatusCode}: {text}");
        }

        JsonElement root = JsonDocument.Parse(text).RootElement;
        return new Created(root.GetProperty("client"), root.GetProperty("token").GetString()!, response.Headers.ETag!.ToString());
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetJsonAsync(string path)
    {
        HttpResponseMessage response = await SendAsync(HttpMethod.Get, path);
        string text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    public sealed record Created(JsonElement Client, string Token, string ETag)
    {
        public string Id => Client.GetProperty("id").GetString()!;
    }
}

public static class ResponseAssertions
{
    /// <summary>Asserts an RFC 9457 problem with the contract's code, and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(status, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()));
        if (status == 400)
        {
            Assert.Equal(JsonValueKind.Object, body.GetProperty("errors").ValueKind);
        }

        return body;
    }
}
