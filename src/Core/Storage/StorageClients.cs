using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace BlueTokens.Core.Storage;

/// <summary>
/// Builds the Table and Queue clients from <c>TokenStorage</c> in either of the forms the Functions host uses
/// for its own storage: a connection string (Azurite, or keys), or, in Azure, the identity form
/// <c>TokenStorage__tableServiceUri</c>, <c>TokenStorage__queueServiceUri</c>, <c>TokenStorage__credential</c>
/// (<c>managedidentity</c>) and <c>TokenStorage__clientId</c> (a user-assigned identity), with no key anywhere.
/// </summary>
internal static class StorageClients
{
    public const string Section = "TokenStorage";

    public static TableServiceClient Tables(IConfiguration configuration, TableClientOptions? options = null)
    {
        string? connectionString = configuration[Section];
        return !string.IsNullOrWhiteSpace(connectionString)
            ? new TableServiceClient(connectionString, options)
            : new TableServiceClient(new Uri(configuration[$"{Section}:tableServiceUri"]!), Credential(configuration), options);
    }

    public static QueueServiceClient Queues(IConfiguration configuration, QueueClientOptions options)
    {
        string? connectionString = configuration[Section];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new QueueServiceClient(connectionString, options);
        }

        // Where only the table endpoint is given, the queue endpoint of the same account is implied.
        string queueUri = configuration[$"{Section}:queueServiceUri"]
            ?? configuration[$"{Section}:tableServiceUri"]!.Replace(".table.", ".queue.", StringComparison.OrdinalIgnoreCase);
        return new QueueServiceClient(new Uri(queueUri), Credential(configuration), options);
    }

    internal static TokenCredential Credential(IConfiguration configuration)
    {
        string? clientId = configuration[$"{Section}:clientId"];
        return string.Equals(configuration[$"{Section}:credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
