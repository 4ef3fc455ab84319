using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Storage;

/// <summary>The changes to one tenant's partition that must happen together or not at all.</summary>
internal sealed class PartitionBatch(string tenantId)
{
    private readonly List<TableTransactionAction> _actions = [];
    private readonly HashSet<int> _nameInserts = [];

    public IReadOnlyList<TableTransactionAction> Actions => _actions;

    public bool IsNameInsert(int index) => _nameInserts.Contains(index);

    public PartitionBatch AddClient(ClientRecord client)
    {
        _actions.Add(new(TableTransactionActionType.Add, client.ToEntity()));
        return this;
    }

    /// <summary>Replaces the client row only if it is still the one read (its table ETag).</summary>
    public PartitionBatch ReplaceClient(ClientRecord client, ETag readETag)
    {
        _actions.Add(new(TableTransactionActionType.UpdateReplace, client.ToEntity(), readETag));
        return this;
    }

    public PartitionBatch DeleteClient(string clientId, ETag readETag)
    {
        _actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, RowKeys.Client(clientId)), readETag));
        return this;
    }

    /// <summary>Reserves a name; fails the whole batch with <see cref="CommitResult.NameTaken"/> where another client holds it.</summary>
    public PartitionBatch ReserveName(string nameKey, string clientId)
    {
        _nameInserts.Add(_actions.Count);
        _actions.Add(new(TableTransactionActionType.Add, new NameEntity { PartitionKey = tenantId, RowKey = RowKeys.Name(nameKey), ClientId = clientId }));
        return this;
    }

    public PartitionBatch ReleaseName(string nameKey)
    {
        // Guarded by the client row's ETag in the same batch: a name row is only ever released with its client.
        _actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, RowKeys.Name(nameKey)), ETag.All));
        return this;
    }

    /// <summary>Sets the tenant's client count: an insert where no counter was read, else conditional on its ETag.</summary>
    public PartitionBatch SetClientCount(TenantEntity? read, int count)
    {
        var counter = new TenantEntity { PartitionKey = tenantId, ClientCount = count };
        _actions.Add(read is null
            ? new(TableTransactionActionType.Add, counter)
            : new(TableTransactionActionType.UpdateReplace, counter, read.ETag));
        return this;
    }

    /// <summary>Writes the event twice: in the tenant's trail and in the client's, both newest first.</summary>
    public PartitionBatch Audit(AuditEvent audit)
    {
        foreach (AuditEntity row in audit.ToEntities(tenantId))
        {
            _actions.Add(new(TableTransactionActionType.Add, row));
        }

        return this;
    }
}
