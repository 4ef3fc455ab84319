using System.Text;
using Azure.Data.Tables;

namespace BlueTokens.IntegrationTests.Infrastructure;

/// <summary>
/// Every row of every table with its ETag, as one string: two equal snapshots prove that nothing was written
/// in between (any write changes a row's ETag). The two delivery queues kept in tables, the event outbox and
/// pending cache writes, are left out: background senders drain them at any moment, and they hold no state of
/// their own (every row there follows a change that shows in the other tables).
/// </summary>
public static class StoreSnapshot
{
    private static readonly string[] DeliveryQueues = ["eventoutbox", "cachesync"];

    public static async Task<string> TakeAsync(string storageConnectionString, string? partitionKey = null)
    {
        var service = new TableServiceClient(storageConnectionString);
        var text = new StringBuilder();
        await foreach (var table in service.QueryAsync())
        {
            if (DeliveryQueues.Any(queue => table.Name.EndsWith(queue, StringComparison.Ordinal)))
            {
                continue;
            }

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
