using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>
/// Compiles <c>infra/main.bicep</c> once with the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package,
/// and keeps the exit code, the diagnostics and the ARM template for every test in the collection.
/// </summary>
public sealed class BicepBuild : IDisposable
{
    public BicepBuild()
    {
        RepositoryRoot = BicepCli.FindRepositoryRoot();
        BicepRun run = BicepCli.Run(RepositoryRoot, "build", Path.Combine("infra", "main.bicep"), "--stdout");

        ExitCode = run.ExitCode;
        StandardError = run.StandardError;
        Diagnostics = run.Diagnostics;
        Template = ExitCode == 0 && run.StandardOutput.Length > 0 ? JsonDocument.Parse(run.StandardOutput) : null;
        Resources = Template is null ? [] : ArmResource.Flatten(Template.RootElement);
    }

    public string RepositoryRoot { get; }

    public int ExitCode { get; }

    public string StandardError { get; }

    /// <summary>The compiled template; null when the build failed.</summary>
    public JsonDocument? Template { get; }

    /// <summary>The compiled template's root, failing with bicep's own message where the build failed.</summary>
    public JsonElement Root =>
        Template?.RootElement ?? throw new InvalidOperationException($"bicep build failed (exit {ExitCode}): {StandardError}");

    /// <summary>Every resource of the template and of the nested deployments the modules compile to.</summary>
    public IReadOnlyList<ArmResource> Resources { get; }

    /// <summary>Lines of the build output that report a warning or an error.</summary>
    public IReadOnlyList<string> Diagnostics { get; }

    public IReadOnlyList<ArmResource> OfType(string type) => ArmResource.OfType(Resources, type);

    /// <summary>The single resource of a type, failing with the list of what there is otherwise.</summary>
    public ArmResource Single(string type) => ArmResource.Single(Resources, type);

    public void Dispose() => Template?.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CompiledInfra : ICollectionFixture<BicepBuild>
{
    public const string Name = "bicep build";
}
