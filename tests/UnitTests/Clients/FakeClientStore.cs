using Azure;
using Azure.Data.Tables;
using BlueTokens.Core.Clients;
using BlueTokens.Core.Storage;
using Microsoft.Extensions.Options;
using Moq;

namespace BlueTokens.UnitTests.Clients;

/// <summary>
/// A <see cref="ClientStore"/> over no storage: it holds one client (read at its version's ETag), records every
/// batch it is asked to commit, and answers each commit with the next queued result (committed where none is).
/// Tests set up anything else on <see cref="Mock"/>.
/// </summary>
internal sealed class FakeClientStore
{
    public FakeClientStore(ClientRecord client)
    {
        Client = client;
        var tables = new StorageTables(new TableServiceClient("UseDevelopmentStorage=true"), Options.Create(new StorageOptions()));
        Mock = new Mock<ClientStore>(tables);
        Mock.Setup(s => s.GetClientAsync(client.TenantId, client.Id, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new StoredClient(Client, new ETag($"W/\"{Client.Version}\"")));
        Mock.Setup(s => s.CommitAsync(It.IsAny<PartitionBatch>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((PartitionBatch batch, CancellationToken _) =>
            {
                Commits.Add(batch);
                return Results.Count > 0 ? Results.Dequeue() : CommitResult.Committed;
            });
    }

    public Mock<ClientStore> Mock { get; }

    public ClientStore Object => Mock.Object;

    /// <summary>The client as stored now; a test may replace it.</summary>
    public ClientRecord Client { get; set; }

    public List<PartitionBatch> Commits { get; } = [];

    public Queue<CommitResult> Results { get; } = new();

    /// <summary>The audit rows of one committed batch (each event is written twice: the tenant's trail and the client's).</summary>
    public static AuditEntity[] AuditRows(PartitionBatch batch) =>
        [.. batch.Actions.Select(action => action.Entity).OfType<AuditEntity>()];
}
