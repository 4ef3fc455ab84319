using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace BlueTokens.InfraTests;

/// <summary>
/// Compiles <c>infra/main.bicep</c> once with the Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package,
/// and keeps the exit code, the diagnostics and the ARM template for every test in the collection.
/// </summary>
public sealed class BicepBuild : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    public BicepBuild()
    {
        RepositoryRoot = FindRepositoryRoot();
        string bicep = BicepPath();
        var start = new ProcessStartInfo(bicep)
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("build");
        start.ArgumentList.Add(Path.Combine("infra", "main.bicep"));
        start.ArgumentList.Add("--stdout");

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + bicep);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(BuildTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep build did not finish within {BuildTimeout}.");
        }

        ExitCode = process.ExitCode;
        StandardError = stderr.GetAwaiter().GetResult();
        string json = stdout.GetAwaiter().GetResult();
        Template = ExitCode == 0 && json.Length > 0 ? JsonDocument.Parse(json) : null;
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
    public IReadOnlyList<string> Diagnostics =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains("Warning", StringComparison.Ordinal) || line.Contains("Error", StringComparison.Ordinal))
            .ToList();

    public IReadOnlyList<ArmResource> OfType(string type) =>
        Resources.Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>The single resource of a type, failing with the list of what there is otherwise.</summary>
    public ArmResource Single(string type)
    {
        IReadOnlyList<ArmResource> found = OfType(type);
        Assert.True(found.Count == 1, $"Expected one {type}, found {found.Count}. Types compiled: {string.Join(", ", Resources.Select(r => r.Type).Distinct())}");
        return found[0];
    }

    public void Dispose() => Template?.Dispose();

    private static string BicepPath()
    {
        string? path = typeof(BicepBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "BicepPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI was not found at '{path}'. It comes with the Azure.Bicep.CommandLine.linux-x64 package: run `dotnet restore tests/InfraTests`.");
        }

        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BlueTokenFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("BlueTokenFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class CompiledInfra : ICollectionFixture<BicepBuild>
{
    public const string Name = "bicep build";
}
