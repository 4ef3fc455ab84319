using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace BlueTokens.Core.Storage;

/// <summary>
/// The service's tables, named with the optional <c>Storage__TablePrefix</c>, so that several environments (or
/// test runs) can share one storage account without seeing each other's rows.
/// </summary>
internal sealed class StorageTables(TableServiceClient service, IOptions<StorageOptions> options)
{
    public TableClient Get(string name) => service.GetTableClient(options.Value.TablePrefix + name);
}
