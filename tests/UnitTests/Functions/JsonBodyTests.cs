using System.Text.Json;
using BlueTokens.Functions.Http;

namespace BlueTokens.UnitTests.Functions;

/// <summary>
/// A JSON object body read field by field: unknown fields refused, <c>null</c> taken as absent, and one error per
/// field of the wrong type, so that a caller learns exactly what to fix.
/// </summary>
public sealed class JsonBodyTests
{
    private static readonly string[] Fields = ["name", "expiresInDays", "expiresAt"];

    [Fact]
    public void Body_RefusesAnUnknownField_NamingTheFieldsItTakes()
    {
        JsonBody body = Read("""{"name":"BI","expiresInDay":30}""");

        Assert.Equal(["expiresInDay"], body.Errors.ByField.Keys);
        Assert.Equal(["Unknown field; this request takes name, expiresInDays, expiresAt."], body.Errors.ByField["expiresInDay"]);
    }

    [Fact]
    public void Fields_ThatAreAbsentOrNull_AreNull_WithoutAnError()
    {
        JsonBody body = Read("""{"name":null,"expiresAt":null}""");

        Assert.Equal((null, null, null), (body.String("name"), body.Integer("expiresInDays"), body.Timestamp("expiresAt")));
        Assert.False(body.HasErrors);
    }

    [Theory]
    [InlineData("""{"name":42}""", "name", "Must be a string.")]
    [InlineData("""{"expiresInDays":"30"}""", "expiresInDays", "Must be a whole number.")]
    [InlineData("""{"expiresInDays":1.5}""", "expiresInDays", "Must be a whole number.")]
    [InlineData("""{"expiresInDays":2147483648}""", "expiresInDays", "Must be a whole number.")]
    [InlineData("""{"expiresAt":"2027-02-26T10:00:00"}""", "expiresAt", "Must be an ISO 8601 timestamp with a zone, such as 2027-02-26T10:00:00Z.")]
    [InlineData("""{"expiresAt":"2027-02-26"}""", "expiresAt", "Must be an ISO 8601 timestamp with a zone, such as 2027-02-26T10:00:00Z.")]
    [InlineData("""{"expiresAt":30}""", "expiresAt", "Must be a string.")]
    public void Field_OfTheWrongType_IsNull_WithOneErrorOnIt(string json, string field, string error)
    {
        JsonBody body = Read(json);

        object? value = field switch
        {
            "name" => body.String(field),
            "expiresInDays" => body.Integer(field),
            _ => body.Timestamp(field),
        };

        Assert.Null(value);
        Assert.Equal([field], body.Errors.ByField.Keys);
        Assert.Equal([error], body.Errors.ByField[field]);
    }

    [Theory]
    [InlineData("""{"name":"\ud800"}""")]
    [InlineData("""{"name":"BI\udc00"}""")]
    [InlineData("""{"expiresAt":"\ud800"}""")]
    public void String_ThatDecodesToNoText_IsNull_WithOneErrorOnItsField(string json)
    {
        JsonBody body = Read(json);
        string field = json[2..json.IndexOf('"', 2)];

        Assert.Null(field == "name" ? body.String(field) : body.Timestamp(field)?.ToString("O"));
        Assert.Equal([field], body.Errors.ByField.Keys);
        Assert.Contains("unpaired surrogate", Assert.Single(body.Errors.ByField[field]), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFields_PastTen_AreCounted_NotNamed()
    {
        JsonBody body = Read("{" + string.Join(',', Enumerable.Range(1, 25).Select(i => $"\"extra{i}\":0")) + "}");

        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => $"extra{i}"), "body"], body.Errors.ByField.Keys);
        Assert.Equal(["25 unknown fields; the first 10 are named, 15 more are left out."], body.Errors.ByField["body"]);
    }

    [Fact]
    public void UnknownFields_UpToTen_AreAllNamed_WithoutACount()
    {
        JsonBody body = Read("{" + string.Join(',', Enumerable.Range(1, 10).Select(i => $"\"extra{i}\":0")) + "}");

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"extra{i}"), body.Errors.ByField.Keys);
    }

    [Fact]
    public void UnknownField_WithALongName_IsNamedByItsFirst64Characters()
    {
        JsonBody body = Read($$"""{"{{new string('x', 63)}}😀{{new string('y', 500)}}":0,"{{new string('z', 64)}}":0}""");

        // A cut never splits a surrogate pair: the emoji's two halves would straddle the 64th character.
        Assert.Equal([new string('x', 63) + "…", new string('z', 64)], body.Errors.ByField.Keys);
    }

    [Theory]
    [InlineData("2027-02-26T10:00:00Z", "2027-02-26T10:00:00.0000000+00:00")]
    [InlineData("2027-02-26T12:00:00+02:00", "2027-02-26T12:00:00.0000000+02:00")]
    [InlineData("2027-02-26T10:00:00.1234567-05:30", "2027-02-26T10:00:00.1234567-05:30")]
    public void Timestamp_ReadsATimeWithAZone_AsGiven(string text, string expected)
    {
        JsonBody body = Read(JsonSerializer.Serialize(new { expiresAt = text }));

        Assert.Equal(expected, body.Timestamp("expiresAt")?.ToString("O"));
        Assert.False(body.HasErrors);
    }

    private static JsonBody Read(string json) => new(JsonDocument.Parse(json).RootElement, Fields);
}
