using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Audit;
using BlueTokens.Core.Clients;

namespace BlueTokens.Core.Storage;

/// <summary>
/// Table Storage for a tenant's partition of the <c>clients</c> table: its clients, their names, its client counter
/// and its audit trail (the token lookups are <see cref="TokenLookups"/>). Every write on a management path is
/// conditional (insert, or update/delete on an ETag): never an insert-or-replace.
/// </summary>
internal class ClientStore(StorageTables tables)
{
    public const string ClientsTable = "clients";

    private readonly EnsuredTable _clientsTable = tables.Ensured(ClientsTable);

    private TableClient Clients => _clientsTable.Client;

    /// <summary>Creates the table once per process; a failure is retried by the next caller.</summary>
    public virtual Task EnsureTablesAsync(CancellationToken cancellationToken = default) => _clientsTable.EnsureAsync(cancellationToken);

    public virtual async Task<StoredClient?> GetClientAsync(string tenantId, string clientId, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken);
        NullableResponse<ClientEntity> response = await Clients.GetEntityIfExistsAsync<ClientEntity>(tenantId, RowKeys.Client(clientId), cancellationToken: cancellationToken);
        return response.HasValue ? new StoredClient(response.Value!.ToRecord(), response.Value!.ETag) : null;
    }

    public virtual async Task<TenantEntity?> GetTenantAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken);
        NullableResponse<TenantEntity> response = await Clients.GetEntityIfExistsAsync<TenantEntity>(tenantId, RowKeys.Tenant, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>
    /// Up to <paramref name="take"/> clients after <paramref name="afterRowKey"/>, oldest first, filtered by
    /// status in the query itself (status is computed from Disabled and ExpiresAt at <paramref name="now"/>).
    /// </summary>
    public virtual async Task<IReadOnlyList<StoredClient>> ListClientsAsync(
        string tenantId, ClientStatus? status, string? afterRowKey, int take, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken);
        string filter = RangeFilter(tenantId, RowKeys.ClientPrefix, afterRowKey) + status switch
        {
            ClientStatus.Disabled => " and Disabled eq true",
            ClientStatus.Expired => TableClient.CreateQueryFilter($" and Disabled eq false and ExpiresAt le {now}"),
            ClientStatus.Active => TableClient.CreateQueryFilter($" and Disabled eq false and ExpiresAt gt {now}"),
            _ => "",
        };

        var clients = new List<StoredClient>(take);
        await foreach (ClientEntity entity in Clients.QueryAsync<ClientEntity>(filter, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            clients.Add(new StoredClient(entity.ToRecord(), entity.ETag));
            if (clients.Count == take)
            {
                break;
            }
        }

        return clients;
    }

    /// <summary>Up to <paramref name="take"/> audit events after <paramref name="afterRowKey"/>, newest first.</summary>
    public virtual async Task<IReadOnlyList<(string RowKey, AuditEvent Event)>> ListAuditAsync(
        string tenantId, string? clientId, string? afterRowKey, int take, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken);
        string prefix = clientId is null ? RowKeys.AuditPrefix : RowKeys.ClientAudit(clientId);
        var events = new List<(string, AuditEvent)>(take);
        await foreach (AuditEntity entity in Clients.QueryAsync<AuditEntity>(RangeFilter(tenantId, prefix, afterRowKey), maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            events.Add((entity.RowKey, entity.ToEvent()));
            if (events.Count == take)
            {
                break;
            }
        }

        return events;
    }

    /// <summary>Commits a partition's changes atomically. Reports which conditional part failed, if one did.</summary>
    public virtual async Task<CommitResult> CommitAsync(PartitionBatch batch, CancellationToken cancellationToken = default)
    {
        await EnsureTablesAsync(cancellationToken);
        try
        {
            await Clients.SubmitTransactionAsync(batch.Actions, cancellationToken);
            return CommitResult.Committed;
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return e.FailedTransactionActionIndex is { } index && batch.IsNameInsert(index) && e.Status == 409
                ? CommitResult.NameTaken
                : CommitResult.Conflict;
        }
    }

    /// <summary>
    /// Writes a client's <c>lastUsedAt</c>: a merge of that one property, so it cannot undo any other change, and
    /// a merge never inserts, so it cannot recreate a deleted client (false then). One round trip: the caller
    /// keeps the latest use per client, and instances flush every few seconds, so an older value can only win
    /// for one flush interval.
    /// </summary>
    public virtual async Task<bool> SetLastUsedAsync(string tenantId, string clientId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var patch = new TableEntity(tenantId, RowKeys.Client(clientId)) { [nameof(ClientEntity.LastUsedAt)] = at };
        try
        {
            await Clients.UpdateEntityAsync(patch, ETag.All, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes the last uses of up to 100 clients of one tenant in one entity group transaction (merges of that one
    /// property). A transaction fails whole when one client is gone (deleted since its use): those are then written
    /// one by one, and the missing one is skipped. Returns how many rows were written.
    /// </summary>
    public virtual async Task<int> SetLastUsedAsync(string tenantId, IReadOnlyList<(string ClientId, DateTimeOffset At)> uses, CancellationToken cancellationToken = default)
    {
        var actions = uses.Select(use => new TableTransactionAction(
            TableTransactionActionType.UpdateMerge,
            new TableEntity(tenantId, RowKeys.Client(use.ClientId)) { [nameof(ClientEntity.LastUsedAt)] = use.At },
            ETag.All)).ToList();
        try
        {
            await Clients.SubmitTransactionAsync(actions, cancellationToken);
            return actions.Count;
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            int written = 0;
            foreach ((string clientId, DateTimeOffset at) in uses)
            {
                written += await SetLastUsedAsync(tenantId, clientId, at, cancellationToken) ? 1 : 0;
            }

            return written;
        }
    }

    private static string RangeFilter(string tenantId, string prefix, string? afterRowKey)
    {
        string upper = RowKeys.AfterPrefix(prefix);
        return afterRowKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey ge {prefix} and RowKey lt {upper}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey gt {afterRowKey} and RowKey lt {upper}");
    }
}

internal sealed record StoredClient(ClientRecord Record, ETag ETag);

internal enum CommitResult
{
    Committed,
    NameTaken,
    Conflict,
}
