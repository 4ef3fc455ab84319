using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;

namespace BlueTokens.Core.Storage;

/// <summary>
/// Builds the Table and Queue clients from <see cref="StorageOptions"/> in either of the forms the Functions host
/// uses for its own storage: a connection string, or an endpoint with a managed identity (no key anywhere).
/// </summary>
internal static class StorageClients
{
    public static TableServiceClient Tables(StorageOptions storage, TableClientOptions? options = null) =>
        !string.IsNullOrWhiteSpace(storage.ConnectionString)
            ? new TableServiceClient(storage.ConnectionString, options)
            : new TableServiceClient(new Uri(storage.TableServiceUri!), Credential(storage), options);

    public static QueueServiceClient Queues(StorageOptions storage, QueueClientOptions options)
    {
        if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            return new QueueServiceClient(storage.ConnectionString, options);
        }

        // Where only the table endpoint is given, the queue endpoint of the same account is implied.
        string queueUri = storage.QueueServiceUri
            ?? storage.TableServiceUri!.Replace(".table.", ".queue.", StringComparison.OrdinalIgnoreCase);
        return new QueueServiceClient(new Uri(queueUri), Credential(storage), options);
    }

    internal static TokenCredential Credential(StorageOptions storage)
    {
        string? clientId = storage.ClientId;
        return string.Equals(storage.Credential, "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
