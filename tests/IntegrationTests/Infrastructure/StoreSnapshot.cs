using System.Text;
using Azure.Data.Tables;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Every row of every table with its ETag, as one string: two equal snapshots prove that nothing was written
/// in between (any write changes a row's ETag).
/// </summary>
public static class StoreSnapshot
{
    public static async Task<string> TakeAsync(string storageConnectionString, string? partitionKey = null)
    {
        var service = new TableServiceClient(storageConnectionString);
        var text = new StringBuilder();
        await foreach (var table in service.QueryAsync())
        {
            TableClient client = service.GetTableClient(table.Name);
            string? filter = partitionKey is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey}");
            var rows = new List<string>();
            await foreach (TableEntity entity in client.QueryAsync<TableEntity>(filter))
            {
                rows.Add($"{table.Name}/{entity.PartitionKey}/{entity.RowKey}@{entity.ETag}");
            }

            rows.Sort(StringComparer.Ordinal);
            text.AppendJoin('\n', rows).Append('\n');
        }

        return text.ToString();
    }
}
