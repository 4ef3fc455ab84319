using System.Diagnostics;
using System.Reflection;

namespace BlueTokens.InfraTests;

/// <summary>Runs the Bicep CLI of the Azure.Bicep.CommandLine.linux-x64 package and collects what it prints.</summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static BicepRun Run(string workingDirectory, params string[] arguments)
    {
        string bicep = Path();
        var start = new ProcessStartInfo(bicep)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + bicep);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {arguments.FirstOrDefault()} did not finish within {Timeout}.");
        }

        return new BicepRun(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    public static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "BlueTokenFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("BlueTokenFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Path()
    {
        string? path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "BicepPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI was not found at '{path}'. It comes with the Azure.Bicep.CommandLine.linux-x64 package: run `dotnet restore tests/InfraTests`.");
        }

        return path;
    }
}

/// <summary>One run of the Bicep CLI.</summary>
internal sealed record BicepRun(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Lines of the output that report a warning or an error.</summary>
    public IReadOnlyList<string> Diagnostics =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains("Warning", StringComparison.Ordinal) || line.Contains("Error", StringComparison.Ordinal))
            .ToList();
}
