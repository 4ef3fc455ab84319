using System.Text.Json;
using System.Text.RegularExpressions;

namespace BlueTokens.InfraTests;

/// <summary>
/// What a deployment of <c>infra/main.bicep</c> with given parameters would create, from <c>bicep snapshot</c>:
/// conditions and loops evaluated, and names, ids and properties resolved wherever they do not wait on a deployed
/// resource (a <c>reference()</c> stays an expression). The compiled template only says what an expression would
/// pick; this says what it picks, for each set of parameters the tests give.
/// </summary>
public sealed partial class BicepSnapshot : IDisposable
{
    // The snapshot needs a subscription, tenant and region to resolve ids; any fixed ones do.
    public const string SubscriptionId = "00000000-0000-0000-0000-000000000001";
    private const string TenantId = "00000000-0000-0000-0000-000000000002";
    private const string Location = "swedencentral";

    private readonly JsonDocument? _document;

    private BicepSnapshot(BicepRun run, JsonDocument? document)
    {
        ExitCode = run.ExitCode;
        StandardError = run.StandardError;
        _document = document;
        var diagnostics = run.Diagnostics.ToList();
        if (document is not null && document.RootElement.TryGetProperty("diagnostics", out JsonElement reported))
        {
            diagnostics.AddRange(reported.EnumerateArray().Select(diagnostic => diagnostic.GetRawText()));
        }

        Diagnostics = diagnostics;
        Resources = document is null
            ? []
            : document.RootElement.GetProperty("predictedResources").EnumerateArray()
                .Select(resource => new ArmResource(resource, document.RootElement))
                .ToList();
    }

    public int ExitCode { get; }

    public string StandardError { get; }

    /// <summary>Warnings and errors, from the CLI's output and from the snapshot itself.</summary>
    public IReadOnlyList<string> Diagnostics { get; }

    /// <summary>The resources the deployment would create, modules flattened.</summary>
    public IReadOnlyList<ArmResource> Resources { get; }

    /// <summary>
    /// Evaluates main.bicep with the given parameters, each a Bicep literal (<c>'text'</c>, <c>true</c>); parameters
    /// not given keep their defaults.
    /// </summary>
    public static BicepSnapshot Evaluate(string repositoryRoot, IReadOnlyDictionary<string, string> parameters)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("blue-infra-snapshot-");
        try
        {
            // A .bicepparam file names its template by a relative path only.
            string template = Path.GetRelativePath(directory.FullName, Path.Combine(repositoryRoot, "infra", "main.bicep"));
            string parameterFile = Path.Combine(directory.FullName, "main.bicepparam");
            File.WriteAllLines(
                parameterFile,
                [$"using '{template.Replace('\\', '/')}'", .. parameters.Select(parameter => $"param {parameter.Key} = {parameter.Value}")]);

            BicepRun run = BicepCli.Run(
                directory.FullName,
                "snapshot", parameterFile,
                "--subscription-id", SubscriptionId,
                "--tenant-id", TenantId,
                "--location", Location);

            string snapshotFile = Path.Combine(directory.FullName, "main.snapshot.json");
            JsonDocument? document = run.ExitCode == 0 && File.Exists(snapshotFile)
                ? JsonDocument.Parse(InPublicCloud(File.ReadAllText(snapshotFile)))
                : null;
            return new BicepSnapshot(run, document);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    public IReadOnlyList<ArmResource> OfType(string type) => ArmResource.OfType(Resources, type);

    public ArmResource Single(string type) => ArmResource.Single(Resources, type);

    /// <summary>The resource with this resource id, failing with the ids of its type otherwise.</summary>
    public ArmResource WithId(string type, string id)
    {
        IReadOnlyList<ArmResource> candidates = OfType(type);
        ArmResource? found = candidates.SingleOrDefault(resource => Id(resource) == id);
        Assert.True(found is not null, $"No {type} with id {id}; there are: {string.Join(", ", candidates.Select(Id))}");
        return found;
    }

    public static string Id(ArmResource resource) => resource.Element.GetProperty("id").GetString() ?? "";

    /// <summary>
    /// The resource a role assignment is scoped to: the snapshot gives the assignment's id as
    /// <c>extensionResourceId(scope, …)</c>, with the scope resolved.
    /// </summary>
    public static string Scope(ArmResource assignment)
    {
        Match match = ExtensionScope().Match(Id(assignment));
        Assert.True(match.Success, $"Role assignment id has no resolved scope: {Id(assignment)}");
        return match.Groups["scope"].Value;
    }

    public void Dispose() => _document?.Dispose();

    // The snapshot leaves environment() unevaluated, and with it the names built on it: the private DNS zones of
    // storage take its storage suffix. Read it as the public cloud's, and finish the names that then hold only
    // literals (a zone, a zone's child), so that they compare as the names they become there.
    private static string InPublicCloud(string snapshot)
    {
        string literal = StorageSuffix().Replace(snapshot, "'${prefix}core.windows.net'");
        literal = ChildName().Replace(literal, "\"${parent}/${child}\"");
        return WholeLiteral().Replace(literal, "\"${literal}\"");
    }

    [GeneratedRegex(@"format\('(?<prefix>[^']*)\{0\}', environment\(\)\.suffixes\.storage\)")]
    private static partial Regex StorageSuffix();

    [GeneratedRegex(@"""\[format\('\{0\}/\{1\}', '(?<parent>[^']*)', '(?<child>[^']*)'\)\]""")]
    private static partial Regex ChildName();

    [GeneratedRegex(@"""\['(?<literal>[^']*)'\]""")]
    private static partial Regex WholeLiteral();

    [GeneratedRegex(@"^\[extensionResourceId\('(?<scope>[^']+)'")]
    private static partial Regex ExtensionScope();
}

/// <summary>
/// The deployments the tests compare: the quick start (every parameter at its default) and production's private
/// networking. Both are evaluated once, side by side, for every test in the collection.
/// </summary>
public sealed class DeploymentSnapshots : IDisposable
{
    // The required parameters, with placeholder values (the key: base64 of 32 zero bytes).
    internal static readonly Dictionary<string, string> Required = new()
    {
        ["environmentName"] = "'snapshot'",
        ["location"] = "'swedencentral'",
        ["authAuthority"] = "'https://login.example.test/tenant/v2.0'",
        ["authIssuer"] = "'https://login.example.test/tenant/v2.0'",
        ["authAudience"] = "'api://blue-tokens'",
        ["tokensEncryptionKey"] = "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='",
    };

    public DeploymentSnapshots()
    {
        string root = BicepCli.FindRepositoryRoot();
        Task<BicepSnapshot> quickStart = Task.Run(() => BicepSnapshot.Evaluate(root, Required));
        Task<BicepSnapshot> privateNetworking = Task.Run(() => BicepSnapshot.Evaluate(
            root,
            new Dictionary<string, string>(Required) { ["privateNetworking"] = "true" }));
        QuickStart = quickStart.GetAwaiter().GetResult();
        PrivateNetworking = privateNetworking.GetAwaiter().GetResult();
    }

    /// <summary>Every optional parameter at its default, as <c>azd up</c> deploys with no settings.</summary>
    public BicepSnapshot QuickStart { get; }

    /// <summary>The same with <c>privateNetworking = true</c>.</summary>
    public BicepSnapshot PrivateNetworking { get; }

    public BicepSnapshot Named(string name) => name switch
    {
        nameof(QuickStart) => QuickStart,
        nameof(PrivateNetworking) => PrivateNetworking,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "No such deployment."),
    };

    public void Dispose()
    {
        QuickStart.Dispose();
        PrivateNetworking.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class EvaluatedInfra : ICollectionFixture<DeploymentSnapshots>
{
    public const string Name = "bicep snapshot";
}
