using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace BlueTokens.Core.Storage;

/// <summary>One instance's counts of one client's validations on one UTC day (its row is that instance's alone).</summary>
internal sealed record UsageRow(string TenantId, string ClientId, DateOnly Day, string Instance, long Valid, long Refused);

/// <summary>A usage row as the retention index names it.</summary>
internal sealed record UsageRowId(string TenantId, string ClientId, DateOnly Day, string Instance);

/// <summary>
/// Validation counts in Table Storage. Table <c>usage</c>: partition the tenant, row key
/// <c>{client}|{yyyyMMdd}|{instance}</c>, so that one client's days are one range of one partition (a 90-day read is
/// one range query), and each row has one writer, the instance that counted it, which writes its own running total
/// with an insert-or-replace: several instances flushing at once never touch the same row, so no increment can be
/// lost, and a retried write (the SDK's own retries) writes the same total again instead of adding twice. A day's
/// count is the sum of its rows. Table <c>usagedays</c> indexes the rows by day (partition <c>yyyyMMdd</c>), written
/// before a row is first written, so that retention reads only the rows that are due, never the whole table.
/// </summary>
internal class UsageStore(StorageTables tables)
{
    public const string Table = "usage";
    public const string DaysTable = "usagedays";

    private const int TransactionLimit = 100;

    private readonly EnsuredTable _usage = tables.Ensured(Table);
    private readonly EnsuredTable _days = tables.Ensured(DaysTable);

    public static string DayKey(DateOnly day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private static string RowKey(string clientId, DateOnly day, string instance) => $"{clientId}|{DayKey(day)}|{instance}";

    /// <summary>Writes up to 100 rows of one tenant in one entity group transaction, each replacing that instance's earlier total.</summary>
    public virtual async Task WriteAsync(string tenantId, IReadOnlyList<UsageRow> rows, CancellationToken cancellationToken = default)
    {
        await _usage.EnsureAsync(cancellationToken);
        var actions = rows.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(tenantId, RowKey(row.ClientId, row.Day, row.Instance))
        {
            ["Valid"] = row.Valid,
            ["Refused"] = row.Refused,
        })).ToList();
        await _usage.Client.SubmitTransactionAsync(actions, cancellationToken);
    }

    /// <summary>One row (an instance reading back its own total of a day it no longer holds in memory); null when absent.</summary>
    public virtual async Task<UsageRow?> GetAsync(string tenantId, string clientId, DateOnly day, string instance, CancellationToken cancellationToken = default)
    {
        await _usage.EnsureAsync(cancellationToken);
        NullableResponse<TableEntity> row = await _usage.Client.GetEntityIfExistsAsync<TableEntity>(tenantId, RowKey(clientId, day, instance), cancellationToken: cancellationToken);
        return row.HasValue ? new UsageRow(tenantId, clientId, day, instance, Count(row.Value!, "Valid"), Count(row.Value!, "Refused")) : null;
    }

    /// <summary>Indexes up to 100 rows of one day in one transaction (an entry already there is fine).</summary>
    public virtual async Task IndexAsync(DateOnly day, IReadOnlyList<UsageRowId> rows, CancellationToken cancellationToken = default)
    {
        await _days.EnsureAsync(cancellationToken);
        string partition = DayKey(day);
        var actions = rows.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, IndexKey(row))
        {
            ["TenantId"] = row.TenantId,
            ["ClientId"] = row.ClientId,
            ["Instance"] = row.Instance,
        })).ToList();
        await _days.Client.SubmitTransactionAsync(actions, cancellationToken);
    }

    /// <summary>
    /// Every row of one client from <paramref name="from"/> to <paramref name="to"/> (inclusive): one range query of
    /// the tenant's partition, paged by the SDK.
    /// </summary>
    public virtual async Task<IReadOnlyList<UsageRow>> ReadAsync(string tenantId, string clientId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await _usage.EnsureAsync(cancellationToken);
        string lower = $"{clientId}|{DayKey(from)}|";
        string upper = $"{clientId}|{DayKey(to)}}}"; // '}' sorts after '|', and after any day's row keys
        var rows = new List<UsageRow>();
        await foreach (TableEntity row in _usage.Client.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {tenantId} and RowKey ge {lower} and RowKey lt {upper}"),
            select: ["RowKey", "Valid", "Refused"],
            cancellationToken: cancellationToken))
        {
            string[] parts = row.RowKey.Split('|');
            if (parts.Length == 3 && DateOnly.TryParseExact(parts[1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly day))
            {
                rows.Add(new UsageRow(tenantId, clientId, day, parts[2], Count(row, "Valid"), Count(row, "Refused")));
            }
        }

        return rows;
    }

    /// <summary>Up to <paramref name="take"/> indexed rows of days before <paramref name="before"/>, oldest day first: a range of the index.</summary>
    public virtual async Task<IReadOnlyList<UsageRowId>> DueAsync(DateOnly before, int take, CancellationToken cancellationToken = default)
    {
        await _days.EnsureAsync(cancellationToken);
        var due = new List<UsageRowId>();
        await foreach (TableEntity row in _days.Client.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey lt {DayKey(before)}"), maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            if (DateOnly.TryParseExact(row.PartitionKey, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly day))
            {
                due.Add(new UsageRowId(row.GetString("TenantId"), row.GetString("ClientId"), day, row.GetString("Instance")));
            }

            if (due.Count == take)
            {
                break;
            }
        }

        return due;
    }

    /// <summary>
    /// Removes rows and then their index entries (so that a run stopped halfway leaves entries, which the next run
    /// finds, never rows that nothing indexes): a transaction per hundred rows of a tenant or of a day, one by one
    /// where a transaction fails because a row is already gone.
    /// </summary>
    public virtual async Task RemoveAsync(IReadOnlyList<UsageRowId> rows, CancellationToken cancellationToken = default)
    {
        await _usage.EnsureAsync(cancellationToken);
        foreach (UsageRowId[] chunk in rows.GroupBy(row => row.TenantId).SelectMany(tenant => tenant.Chunk(TransactionLimit)))
        {
            await DeleteAsync(_usage.Client, chunk.Select(row => (row.TenantId, RowKey(row.ClientId, row.Day, row.Instance))).ToList(), cancellationToken);
        }

        foreach (UsageRowId[] chunk in rows.GroupBy(row => row.Day).SelectMany(day => day.Chunk(TransactionLimit)))
        {
            await DeleteAsync(_days.Client, chunk.Select(row => (DayKey(row.Day), IndexKey(row))).ToList(), cancellationToken);
        }
    }

    private static async Task DeleteAsync(TableClient table, IReadOnlyList<(string Partition, string Row)> keys, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(
                keys.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(key.Partition, key.Row), ETag.All)),
                cancellationToken);
        }
        catch (TableTransactionFailedException e) when (e.Status == 404)
        {
            foreach ((string partition, string row) in keys)
            {
                try
                {
                    await table.DeleteEntityAsync(partition, row, ETag.All, cancellationToken);
                }
                catch (RequestFailedException gone) when (gone.Status == 404)
                {
                    // Removed by an earlier run that stopped before its index entry.
                }
            }
        }
    }

    // The client and instance are fixed-format (no '|'), so the key is unique whatever the tenant id holds.
    private static string IndexKey(UsageRowId row) => $"{row.TenantId}|{row.ClientId}|{row.Instance}";

    private static long Count(TableEntity row, string name) => row.GetInt64(name) ?? 0;
}
