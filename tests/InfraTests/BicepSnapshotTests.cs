namespace BlueTokens.InfraTests;

[Collection(EvaluatedInfra.Name)]
public sealed class BicepSnapshotTests(DeploymentSnapshots snapshots)
{
    public static TheoryData<string> Deployments => [nameof(DeploymentSnapshots.QuickStart), nameof(DeploymentSnapshots.PrivateNetworking)];

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Snapshot_EvaluatesWithNoWarningsOrErrors(string deployment)
    {
        BicepSnapshot snapshot = snapshots.Named(deployment);

        Assert.True(
            snapshot.ExitCode == 0 && snapshot.Diagnostics.Count == 0,
            $"bicep snapshot ({deployment}) exited {snapshot.ExitCode}:\n{(snapshot.Diagnostics.Count > 0 ? string.Join('\n', snapshot.Diagnostics) : snapshot.StandardError)}");
        Assert.NotEmpty(snapshot.Resources);
    }
}
