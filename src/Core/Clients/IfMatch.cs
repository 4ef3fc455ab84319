namespace BlueTokens.Core.Clients;

/// <summary>
/// An <c>If-Match</c> precondition with strong comparison (RFC 9110): <c>*</c> matches any current
/// representation, a weak tag never matches, absent means no precondition.
/// </summary>
internal sealed class IfMatch
{
    public static readonly IfMatch None = new(any: true, []);

    private readonly bool _any;
    private readonly string[] _tags;

    private IfMatch(bool any, string[] tags)
    {
        _any = any;
        _tags = tags;
    }

    public static IfMatch Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return None;
        }

        string[] tags = header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new IfMatch(tags.Contains("*"), tags);
    }

    public bool Matches(string etag) => _any || _tags.Contains(etag, StringComparer.Ordinal);
}
