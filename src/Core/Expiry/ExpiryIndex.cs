using System.Globalization;
using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Storage;

namespace BlueTokens.Core.Expiry;

/// <summary>What an index entry asks the timer to look at.</summary>
internal enum ExpiryKind
{
    /// <summary>A current token: its warning first, then (moved to its expiry) its expiry.</summary>
    Token,

    /// <summary>A replaced token whose grace period ends: its lookup and cache entry are purged.</summary>
    Grace,
}

internal sealed record ExpiryEntry(string Day, string RowKey, ExpiryKind Kind, DateTimeOffset DueAt, string TenantId, string ClientId, string TokenHash);

/// <summary>
/// The expiry index: one row per thing that falls due, partitioned by the UTC day it falls due and ordered by its
/// time, so that a run reads only the due rows of the days since its checkpoint, never all tokens. Table
/// <c>expiryindex</c>; row key <c>{due ticks}|{kind}|{tenant}|{client}|{token hash}</c>. Rows are written before
/// the change that needs them commits; a row that no longer matches its client is simply dropped when due.
/// </summary>
internal sealed class ExpiryIndex(StorageTables tables)
{
    public const string Table = "expiryindex";
    private const string CheckpointPartition = "checkpoint";
    private const string CheckpointRow = "expiry";

    private readonly TableClient _table = tables.Get(Table);
    private readonly CreateOnce _created = new();

    public static string DayOf(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static ExpiryEntry Entry(ExpiryKind kind, DateTimeOffset dueAt, string tenantId, string clientId, string tokenHash) =>
        new(DayOf(dueAt), $"{dueAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}|{kind}|{tenantId}|{clientId}|{tokenHash}", kind, dueAt, tenantId, clientId, tokenHash);

    /// <summary>Adds entries (an existing identical one is fine), after making sure the checkpoint cannot be past them.</summary>
    public async Task AddAsync(IEnumerable<ExpiryEntry> entries, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(now, cancellationToken);
        await Task.WhenAll(entries.Select(async entry =>
        {
            try
            {
                await _table.AddEntityAsync(ToEntity(entry), cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
            }
        }));
    }

    public async Task RemoveAsync(ExpiryEntry entry, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.DeleteEntityAsync(entry.Day, entry.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Handled by another run.
        }
    }

    /// <summary>Entries of <paramref name="day"/> due by <paramref name="now"/>, oldest first, at most <paramref name="take"/>.</summary>
    public async Task<IReadOnlyList<ExpiryEntry>> DueAsync(string day, DateTimeOffset now, int take, CancellationToken cancellationToken = default)
    {
        string before = (now.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var due = new List<ExpiryEntry>();
        await foreach (TableEntity row in _table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {day} and RowKey lt {before}"), maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            due.Add(FromEntity(row));
            if (due.Count == take)
            {
                break;
            }
        }

        return due;
    }

    /// <summary>The first day that may still hold unhandled entries (null before any entry was ever written).</summary>
    public async Task<(string Day, ETag ETag)?> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> row = await _table.GetEntityIfExistsAsync<TableEntity>(CheckpointPartition, CheckpointRow, cancellationToken: cancellationToken);
        return row.HasValue ? (row.Value!.GetString("Day"), row.Value.ETag) : null;
    }

    /// <summary>Moves the checkpoint forward; a concurrent run that moved it first wins (false).</summary>
    public async Task<bool> AdvanceCheckpointAsync(string day, ETag read, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(CheckpointPartition, CheckpointRow) { ["Day"] = day }, read, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return false;
        }
    }

    private Task EnsureReadyAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        _created.EnsureAsync((Index: this, Now: now), static (state, token) => state.Index.CreateAsync(state.Now, token), cancellationToken);

    private async Task CreateAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await _table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            // The first entry ever written is due today at the earliest (a warning already inside its window);
            // the checkpoint starts there and only ever moves to days that are over.
            await _table.AddEntityAsync(new TableEntity(CheckpointPartition, CheckpointRow) { ["Day"] = DayOf(now) }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
        }
    }

    private static TableEntity ToEntity(ExpiryEntry entry) => new(entry.Day, entry.RowKey)
    {
        ["Kind"] = entry.Kind.ToString(),
        ["DueAt"] = entry.DueAt,
        ["TenantId"] = entry.TenantId,
        ["ClientId"] = entry.ClientId,
        ["TokenHash"] = entry.TokenHash,
    };

    private static ExpiryEntry FromEntity(TableEntity row) => new(
        row.PartitionKey,
        row.RowKey,
        Enum.Parse<ExpiryKind>(row.GetString("Kind")),
        row.GetDateTimeOffset("DueAt") ?? DateTimeOffset.MinValue,
        row.GetString("TenantId"),
        row.GetString("ClientId"),
        row.GetString("TokenHash"));
}
