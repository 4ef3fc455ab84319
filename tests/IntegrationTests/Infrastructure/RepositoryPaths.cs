namespace BlueTokens.IntegrationTests.Infrastructure;

internal static class RepositoryPaths
{
    /// <summary>The folder that holds BlueTokenFunctions.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string FunctionsOutput(string file) =>
        Path.Combine(AppContext.BaseDirectory, file);

    private static string FindRoot()
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
