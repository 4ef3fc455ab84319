using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>How the client tests call the API and look into the store, as an outside caller and an operator would.</summary>
internal static class ClientKit
{
    /// <summary>The fields of a Client in API.md, sorted.</summary>
    public static readonly string[] ClientFields =
        ["allowedNetworks", "createdAt", "createdBy", "expiresAt", "id", "lastUsedAt", "leak", "name", "role", "status", "tokenIssuedAt", "tokenPrefix", "updatedAt"];

    /// <summary>Sends a request and reads its JSON body (default where the body is empty).</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> CallAsync(
        this AdminApi admin, HttpMethod method, string path, string? json = null, string? ifMatch = null)
    {
        HttpResponseMessage response = await admin.SendAsync(method, path, json, ifMatch);
        string text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    /// <summary>A client's audit trail, newest first.</summary>
    public static async Task<JsonElement[]> AuditAsync(this AdminApi admin, string clientId)
    {
        (HttpResponseMessage response, JsonElement body) = await admin.CallAsync(HttpMethod.Get, $"/api/audit?clientId={clientId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. body.GetProperty("items").EnumerateArray()];
    }

    public static string[] Actions(this IEnumerable<JsonElement> events) =>
        [.. events.Select(e => e.GetProperty("action").GetString()!)];

    public static string[] PropertyNames(this JsonElement element) =>
        [.. element.EnumerateObject().Select(property => property.Name).Order(StringComparer.Ordinal)];

    /// <summary>A timestamp field, which must be ISO 8601 UTC ending in Z.</summary>
    public static DateTimeOffset Time(this JsonElement element, string property)
    {
        string text = element.GetProperty(property).GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$", text);
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    public static void AssertErrorOn(this JsonElement problem, string field)
    {
        JsonElement errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out JsonElement messages), $"errors should name '{field}': {errors.GetRawText()}");
        Assert.NotEmpty(messages.EnumerateArray());
    }

    /// <summary>The path a Location header names, whether it is written relative or absolute.</summary>
    public static string? PathOf(Uri? location) =>
        location is null ? null : new Uri(new Uri("http://localhost"), location).PathAndQuery;

    /// <summary>The lookup row key of a token: lower-case hex SHA-256 of its ASCII bytes.</summary>
    public static string LookupKey(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    public static async Task<TableEntity?> GetLookupAsync(string storage, string token)
    {
        var table = new TableClient(storage, "tokenlookup");
        NullableResponse<TableEntity> row = await table.GetEntityIfExistsAsync<TableEntity>(LookupKey(token), "");
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Partition keys of every lookup row that leads to the tenant, sorted.</summary>
    public static async Task<string[]> LookupKeysOfTenantAsync(string storage, string tenant)
    {
        var table = new TableClient(storage, "tokenlookup");
        var keys = new List<string>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"TenantId eq {tenant}")))
        {
            keys.Add(row.PartitionKey);
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }
}
