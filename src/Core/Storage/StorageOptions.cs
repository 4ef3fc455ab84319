namespace BlueTokens.Core.Storage;

/// <summary>
/// Where Table Storage is: the connection string <c>TokenStorage</c> (Azurite locally).
/// </summary>
internal sealed class StorageOptions
{
    public const string ConnectionSetting = "TokenStorage";

    public string? ConnectionString { get; set; }

    /// <summary><c>TokenStorage__tableServiceUri</c>: the identity form, used where there is no connection string.</summary>
    public string? TableServiceUri { get; set; }

    /// <summary><c>Storage__TablePrefix</c>: letters and digits put before every table name (default none).</summary>
    public string TablePrefix { get; set; } = "";
}
