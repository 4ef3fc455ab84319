namespace BlueTokens.InfraTests;

/// <summary>
/// The identity's storage roles reach no further than what the host, the platform and the service use: blobs
/// per container, the event queue alone, tables on the account (their names are not known in advance).
/// </summary>
[Collection(EvaluatedInfra.Name)]
public sealed class StorageRoleTests(DeploymentSnapshots snapshots)
{
    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

    [Fact]
    public void BlobDataOwner_IsGrantedOnEachContainer_NeverOnTheAccount()
    {
        BicepSnapshot snapshot = snapshots.QuickStart;
        string account = BicepSnapshot.Id(snapshot.Single("Microsoft.Storage/storageAccounts"));
        string[] containers = snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(BicepSnapshot.Id).Order(StringComparer.Ordinal).ToArray();

        string[] scopes = Assignments(snapshot, BlobDataOwner).Select(BicepSnapshot.Scope).Order(StringComparer.Ordinal).ToArray();

        // The deployment package's container and the host's two.
        Assert.Equal(3, containers.Length);
        Assert.Equal(containers, scopes);
        Assert.All(scopes, scope => Assert.StartsWith($"{account}/blobServices/default/containers/", scope, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("azure-webjobs-hosts")] // the host's locks: timer schedule, host lease
    [InlineData("azure-webjobs-secrets")] // the host's keys
    public void HostContainer_IsDeclared_SoThatTheHostNeedNotCreateIt(string name)
    {
        Assert.Contains(
            snapshots.QuickStart.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
            container => container.Name.EndsWith($"/default/{name}", StringComparison.Ordinal));
    }

    [Fact]
    public void DeploymentPackage_IsInAContainerTheIdentityOwns()
    {
        BicepSnapshot snapshot = snapshots.QuickStart;
        string value = snapshot.Single("Microsoft.Web/sites").PropertyString("functionAppConfig.deployment.storage.value") ?? "";

        ArmResource container = Assert.Single(
            snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"),
            candidate => value.Contains($"'{candidate.Name.Split('/')[^1]}'", StringComparison.Ordinal));
        Assert.Contains(BicepSnapshot.Id(container), Assignments(snapshot, BlobDataOwner).Select(BicepSnapshot.Scope));
    }

    [Fact]
    public void QueueDataContributor_IsGrantedOnTheEventQueueOnly()
    {
        BicepSnapshot snapshot = snapshots.QuickStart;
        ArmResource queue = snapshot.Single("Microsoft.Storage/storageAccounts/queueServices/queues");

        Assert.EndsWith("/token-events", queue.Name, StringComparison.Ordinal);
        Assert.Equal(BicepSnapshot.Id(queue), BicepSnapshot.Scope(Assert.Single(Assignments(snapshot, QueueDataContributor))));
    }

    [Fact]
    public void TableDataContributor_IsGrantedOnTheAccount_WhereTheServiceCreatesItsTables()
    {
        BicepSnapshot snapshot = snapshots.QuickStart;

        Assert.Equal(
            BicepSnapshot.Id(snapshot.Single("Microsoft.Storage/storageAccounts")),
            BicepSnapshot.Scope(Assert.Single(Assignments(snapshot, TableDataContributor))));
    }

    [Fact]
    public void RoleScopes_AreTheSame_WithPrivateNetworking()
    {
        foreach (string role in new[] { BlobDataOwner, QueueDataContributor, TableDataContributor })
        {
            Assert.Equal(
                Assignments(snapshots.QuickStart, role).Select(BicepSnapshot.Scope).Order(StringComparer.Ordinal),
                Assignments(snapshots.PrivateNetworking, role).Select(BicepSnapshot.Scope).Order(StringComparer.Ordinal));
        }
    }

    private static List<ArmResource> Assignments(BicepSnapshot snapshot, string roleDefinitionGuid) =>
        snapshot.OfType("Microsoft.Authorization/roleAssignments")
            .Where(assignment => (assignment.PropertyString("roleDefinitionId") ?? "").EndsWith("/" + roleDefinitionGuid, StringComparison.OrdinalIgnoreCase))
            .ToList();
}
