using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BlueTokens.Core.Json;

/// <summary>Timestamps as the contract writes them: ISO 8601 in UTC with <c>Z</c>, milliseconds only where non-zero.</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.FFF'Z'";

    private const int MaxLength = 24; // yyyy-MM-ddTHH:mm:ss.fffZ

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    /// <summary>Written from a stack buffer: every validate answer carries one, and a custom format string is slow.</summary>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        writer.WriteStringValue(text[..Utf8(value, text)]);
    }

    /// <summary>The timestamp as text (audit details): the same characters as <see cref="Utf8"/> writes.</summary>
    public static string Text(DateTimeOffset value)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        return Encoding.ASCII.GetString(text[..Utf8(value, text)]);
    }

    /// <summary>
    /// The timestamp as <see cref="Format"/> gives it, into UTF-8 bytes: the sortable form, then the milliseconds
    /// without trailing zeros. The one formatter of the service's timestamps (a test holds it to the format string).
    /// </summary>
    public static int Utf8(DateTimeOffset value, Span<byte> destination)
    {
        DateTime utc = value.UtcDateTime;
        utc.TryFormat(destination, out int length, "s", CultureInfo.InvariantCulture);
        int milliseconds = utc.Millisecond;
        if (milliseconds != 0)
        {
            destination[length++] = (byte)'.';
            for (int divisor = 100; milliseconds != 0; divisor /= 10)
            {
                destination[length++] = (byte)('0' + milliseconds / divisor);
                milliseconds %= divisor;
            }
        }

        destination[length++] = (byte)'Z';
        return length;
    }
}
