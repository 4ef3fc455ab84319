namespace BlueTokens.InfraTests;

[Collection(CompiledInfra.Name)]
public sealed class BicepBuildTests(BicepBuild build)
{
    [Fact]
    public void Build_ExitsZero_WithNoWarningsOrErrors()
    {
        Assert.True(
            build.ExitCode == 0 && build.Diagnostics.Count == 0,
            $"bicep build infra/main.bicep exited {build.ExitCode}:\n{(build.Diagnostics.Count > 0 ? string.Join('\n', build.Diagnostics) : build.StandardError)}");
        Assert.NotNull(build.Template);
    }

    [Fact]
    public void Modules_CompileToNestedDeployments_OneResourceGroup()
    {
        Assert.Single(build.OfType("Microsoft.Resources/resourceGroups"));
        Assert.True(build.OfType("Microsoft.Resources/deployments").Count >= 5, "expected the infra/app modules as nested deployments");
    }
}
