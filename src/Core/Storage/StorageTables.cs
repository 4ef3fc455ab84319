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

    /// <summary>A table that creates itself on first use, once per process (a failed creation is retried by the next caller).</summary>
    public EnsuredTable Ensured(string name) => new(Get(name));
}

internal sealed class EnsuredTable(TableClient table)
{
    private readonly CreateOnce _created = new();

    public TableClient Client => table;

    public Task EnsureAsync(CancellationToken cancellationToken) =>
        _created.EnsureAsync(table, static (client, token) => client.CreateIfNotExistsAsync(token), cancellationToken);
}
