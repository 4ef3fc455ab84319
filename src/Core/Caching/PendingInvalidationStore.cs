using System.Globalization;
using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Storage;

namespace BlueTokens.Core.Caching;

/// <summary>
/// Cache writes of management changes that Redis did not take (down, frozen, partitioned), kept in Table Storage
/// until they are replayed, so that a revocation is never only in memory. Table <c>cachesync</c>, one partition,
/// one row per write (<c>{token hash}|{version}</c>): rows are only added and deleted, never overwritten.
/// </summary>
internal class PendingInvalidationStore(StorageTables tables)
{
    public const string Table = "cachesync";
    private const string Partition = "pending";

    private readonly EnsuredTable _ensured = tables.Ensured(Table);

    public virtual async Task RecordAsync(IEnumerable<CacheWrite> writes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _ensured.EnsureAsync(cancellationToken);
        TableClient table = _ensured.Client;
        foreach (CacheWrite write in writes)
        {
            var row = new TableEntity(Partition, RowKey(write))
            {
                ["TokenHash"] = write.TokenHash,
                ["Version"] = write.Version,
                ["Payload"] = write.Payload,
                ["EndsAt"] = now + write.Lifetime,
            };
            try
            {
                await table.AddEntityAsync(row, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // The same write is already pending.
            }
        }
    }

    /// <summary>Up to <paramref name="take"/> pending writes, with their lifetimes as of <paramref name="now"/>.</summary>
    public virtual async Task<IReadOnlyList<CacheWrite>> ReadAsync(DateTimeOffset now, int take, CancellationToken cancellationToken = default)
    {
        await _ensured.EnsureAsync(cancellationToken);
        TableClient table = _ensured.Client;
        var writes = new List<CacheWrite>();
        await foreach (TableEntity row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), maxPerPage: take, cancellationToken: cancellationToken))
        {
            DateTimeOffset endsAt = row.GetDateTimeOffset("EndsAt") ?? now;
            writes.Add(new CacheWrite(row.GetString("TokenHash"), row.GetInt64("Version") ?? 0, row.GetString("Payload"), endsAt - now));
            if (writes.Count == take)
            {
                break;
            }
        }

        return writes;
    }

    public virtual async Task RemoveAsync(CacheWrite write, CancellationToken cancellationToken = default)
    {
        try
        {
            await _ensured.Client.DeleteEntityAsync(Partition, RowKey(write), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Replayed by another instance already.
        }
    }

    private static string RowKey(CacheWrite write) =>
        $"{write.TokenHash}|{write.Version.ToString("D19", CultureInfo.InvariantCulture)}|{(write.Payload == TokenCache.RevokedPayload ? "R" : "S")}";
}
