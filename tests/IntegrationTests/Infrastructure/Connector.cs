using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>A connector presenting tokens to <c>POST /api/validate</c>, from one source address.</summary>
public sealed class Connector(HttpClient http, string source = "127.0.0.1")
{
    public async Task<Answer> ValidateAsync(string token, bool inBody = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/validate");
        request.Headers.TryAddWithoutValidation(TestSourceAddress.Header, source);
        if (inBody)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(new { token }), Encoding.UTF8, "application/json");
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using HttpResponseMessage response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonElement body = JsonDocument.Parse(text).RootElement;
        string? code = body.TryGetProperty("code", out JsonElement c) ? c.GetString() : null;
        return new Answer(response.StatusCode, code, body, response.Headers.RetryAfter?.Delta);
    }

    /// <summary>
    /// Every token through every connector (one per host), each answer against the outcome expected of it; fails
    /// naming every wrong answer (host, token prefix, what came, what was expected) <paramref name="when"/>.
    /// </summary>
    public static async Task AssertAnswersAsync(IReadOnlyList<Connector> connectors, IReadOnlyDictionary<string, string> expected, string when)
    {
        var wrong = new List<string>();
        for (int host = 0; host < connectors.Count; host++)
        {
            foreach ((string token, string outcome) in expected)
            {
                string got = (await connectors[host].ValidateAsync(token)).Outcome;
                if (got != outcome)
                {
                    wrong.Add($"host {host}, {token[..12]}: {got}, expected {outcome}");
                }
            }
        }

        Assert.True(wrong.Count == 0, $"{when}: {string.Join("; ", wrong)}");
    }

    public sealed record Answer(HttpStatusCode Status, string? Code, JsonElement Body, TimeSpan? RetryAfter)
    {
        public bool Valid => Status == HttpStatusCode.OK && Body.GetProperty("valid").GetBoolean();

        /// <summary>"valid", or the refusal's code: what a connector acts on.</summary>
        public string Outcome => Valid ? "valid" : Code ?? $"HTTP {(int)Status}";

        public override string ToString() => $"{(int)Status} {Outcome}";
    }
}
