using System.Globalization;
using BlueTokens.Core.Clients;
using Microsoft.AspNetCore.Http;

namespace BlueTokens.Functions.Http;

/// <summary>Reads query values with an error per parameter (400 <c>invalid_query</c>).</summary>
internal sealed class QueryReader(HttpRequest request)
{
    public FieldErrors Errors { get; } = new();

    public bool HasErrors => !Errors.IsEmpty;

    /// <summary>One value or none; a parameter given twice is an error (which one would count?).</summary>
    public string? Single(string name)
    {
        if (!request.Query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            Errors.Add(name, "Give this parameter once.");
            return null;
        }

        return values[0];
    }

    public PageRequest Page()
    {
        int size = PageRequest.DefaultPageSize;
        if (Single("pageSize") is { } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > PageRequest.MaxPageSize)
            {
                Errors.Add("pageSize", $"pageSize must be a whole number from 1 to {PageRequest.MaxPageSize}.");
                size = PageRequest.DefaultPageSize;
            }
        }

        string? continuation = Single("continuationToken");
        if (continuation is { Length: 0 })
        {
            Errors.Add("continuationToken", "continuationToken must not be empty; leave it out for the first page.");
        }

        return new PageRequest(size, string.IsNullOrEmpty(continuation) ? null : continuation);
    }
}
