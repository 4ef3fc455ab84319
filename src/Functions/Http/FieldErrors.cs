namespace BlueTokens.Functions.Http;

/// <summary>
/// What is wrong with a request, by field (or query parameter): the <c>errors</c> of a 400 problem. Every reader
/// of a request adds to one of these, and Core's field errors are brought into one, so that every 400 lists them
/// the same way: in the order found, each field once, with all its messages.
/// </summary>
internal sealed class FieldErrors
{
    private readonly Dictionary<string, string[]> _byField = [];

    public bool IsEmpty => _byField.Count == 0;

    public IReadOnlyDictionary<string, string[]> ByField => _byField;

    public static FieldErrors Of(string field, string message)
    {
        var errors = new FieldErrors();
        errors.Add(field, message);
        return errors;
    }

    /// <summary>Core's errors of a failure; none where Core gave none.</summary>
    public static FieldErrors? From(IReadOnlyDictionary<string, string[]>? errors)
    {
        if (errors is null)
        {
            return null;
        }

        var copy = new FieldErrors();
        foreach ((string field, string[] messages) in errors)
        {
            copy._byField[field] = messages;
        }

        return copy;
    }

    public void Add(string field, string message) =>
        _byField[field] = [.. _byField.GetValueOrDefault(field, []), message];
}
