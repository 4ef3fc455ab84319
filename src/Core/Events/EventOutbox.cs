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
internal sealed class EventOutbox(StorageTables tables)
{
    public const string Table = "eventoutbox";
    private const string Partition = "pending";

    private readonly EnsuredTable _ensured = tables.Ensured(Table);

    public async Task AddAsync(LifecycleEvent lifecycleEvent, CancellationToken cancellationToken = default)
    {
        await _ensured.EnsureAsync(cancellationToken);
        TableClient table = _ensured.Client;
        var row = new TableEntity(Partition, RowKey(lifecycleEvent))
        {
            ["Body"] = JsonSerializer.Serialize(lifecycleEvent, EventJsonContext.Default.LifecycleEvent),
        };
        await table.AddEntityAsync(row, cancellationToken);
    }

    /// <summary>
    /// Up to <paramref name="take"/> waiting events, oldest first, each claimed for <paramref name="claimFor"/> by a
    /// write conditional on the row read: an event another instance has claimed is skipped, so that two senders do
    /// not both send it (a sender that stops before deleting leaves the event to be claimed again later).
    /// </summary>
    public async Task<OutboxClaim> ClaimAsync(int take, DateTimeOffset now, TimeSpan claimFor, CancellationToken cancellationToken = default)
    {
        await _ensured.EnsureAsync(cancellationToken);
        TableClient table = _ensured.Client;
        var rows = new List<TableEntity>();
        int heldElsewhere = 0;
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), maxPerPage: take, cancellationToken: cancellationToken))
        {
            if (row.GetDateTimeOffset("ClaimedUntil") is not { } until || until <= now)
            {
                rows.Add(row);
            }
            else
            {
                heldElsewhere++;
            }

            if (rows.Count == take)
            {
                break;
            }
        }

        var claimed = new List<(string, string)>(rows.Count);
        foreach (TableEntity row in rows)
        {
            try
            {
                await table.UpdateEntityAsync(new TableEntity(Partition, row.RowKey) { ["ClaimedUntil"] = now + claimFor }, row.ETag, TableUpdateMode.Merge, cancellationToken);
                claimed.Add((row.RowKey, row.GetString("Body")));
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Claimed or sent by another instance.
                heldElsewhere++;
            }
        }

        return new OutboxClaim(claimed, heldElsewhere);
    }

    /// <summary>Gives up claims this sender cannot honour (the queue is down), so that any sender may take them at once.</summary>
    public async Task ReleaseAsync(IEnumerable<string> rowKeys, CancellationToken cancellationToken = default)
    {
        foreach (string rowKey in rowKeys)
        {
            try
            {
                await _ensured.Client.UpdateEntityAsync(new TableEntity(Partition, rowKey) { ["ClaimedUntil"] = DateTimeOffset.UnixEpoch }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
    }

    public async Task RemoveAsync(string rowKey, CancellationToken cancellationToken = default)
    {
        try
        {
            await _ensured.Client.DeleteEntityAsync(Partition, rowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Sent and removed by another instance.
        }
    }

    private static string RowKey(LifecycleEvent lifecycleEvent) =>
        $"{lifecycleEvent.Time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}|{lifecycleEvent.Id}";
}

/// <summary>The events this sender now holds, and how many others hold (to be looked at again later).</summary>
internal sealed record OutboxClaim(IReadOnlyList<(string RowKey, string Body)> Claimed, int HeldElsewhere);
