using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Storage;

namespace BlueTokens.Core.Events;

/// <summary>
/// Events waiting to be sent to the queue: written right after the change commits (one insert), removed once the
/// queue has them. Table <c>eventoutbox</c>, one partition, oldest first.
/// </summary>
internal class EventOutbox(StorageTables tables)
{
    public const string Table = "eventoutbox";
    private const string Partition = "pending";

    private readonly TableClient _table = tables.Get(Table);
    private Task? _ready;

    public virtual async Task AddAsync(LifecycleEvent lifecycleEvent, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var row = new TableEntity(Partition, RowKey(lifecycleEvent))
        {
            ["Body"] = JsonSerializer.Serialize(lifecycleEvent, EventJsonContext.Default.LifecycleEvent),
        };
        await _table.AddEntityAsync(row, cancellationToken);
    }

    public virtual async Task<IReadOnlyList<(string RowKey, string Body)>> ReadAsync(int take, CancellationToken cancellationToken = default)
    {
        await EnsureTableAsync(cancellationToken);
        var rows = new List<(string, string)>();
        await foreach (TableEntity row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), maxPerPage: take, cancellationToken: cancellationToken))
        {
            rows.Add((row.RowKey, row.GetString("Body")));
            if (rows.Count == take)
            {
                break;
            }
        }

        return rows;
    }

    public virtual async Task RemoveAsync(string rowKey, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.DeleteEntityAsync(Partition, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Sent and removed by another instance.
        }
    }

    private static string RowKey(LifecycleEvent lifecycleEvent) =>
        $"{lifecycleEvent.Time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}|{lifecycleEvent.Id}";

    private Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        Task? ready = _ready;
        if (ready is { IsCompletedSuccessfully: true })
        {
            return ready;
        }

        ready = _table.CreateIfNotExistsAsync(cancellationToken);
        _ready = ready;
        return ready;
    }
}
