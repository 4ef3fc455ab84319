using Microsoft.Extensions.Configuration;

namespace BlueTokens.Core.Storage;

/// <summary>
/// Where Table Storage and the event queue are: the connection string <c>TokenStorage</c> (Azurite locally, or keys),
/// or, in Azure, the identity form the Functions host uses for its own storage (<c>TokenStorage__tableServiceUri</c>
/// and the rest), with no key anywhere.
/// </summary>
internal sealed class StorageOptions
{
    public const string ConnectionSetting = "TokenStorage";

    public string? ConnectionString { get; set; }

    /// <summary><c>TokenStorage__tableServiceUri</c>: the identity form, used where there is no connection string.</summary>
    public string? TableServiceUri { get; set; }

    /// <summary><c>TokenStorage__queueServiceUri</c>; where absent, the queue endpoint of the table's account.</summary>
    public string? QueueServiceUri { get; set; }

    /// <summary><c>TokenStorage__credential</c>: <c>managedidentity</c>, or absent for the default credential chain.</summary>
    public string? Credential { get; set; }

    /// <summary><c>TokenStorage__clientId</c>: a user-assigned identity's client id.</summary>
    public string? ClientId { get; set; }

    /// <summary><c>Storage__TablePrefix</c>: letters and digits put before every table name (default none).</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>
    /// Reads every storage setting: the one place that knows their names. Not a section bind, because
    /// <c>TokenStorage</c> is both a value (the connection string) and a section (the identity form).
    /// </summary>
    public void ReadFrom(IConfiguration configuration)
    {
        ConnectionString = configuration[ConnectionSetting];
        TableServiceUri = configuration[$"{ConnectionSetting}:tableServiceUri"];
        QueueServiceUri = configuration[$"{ConnectionSetting}:queueServiceUri"];
        Credential = configuration[$"{ConnectionSetting}:credential"];
        ClientId = configuration[$"{ConnectionSetting}:clientId"];
        TablePrefix = configuration["Storage:TablePrefix"] ?? "";
    }
}
