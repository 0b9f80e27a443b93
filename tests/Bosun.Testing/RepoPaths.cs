namespace Bosun.Testing;

/// <summary>Where the repository and the built `bosun` CLI are, from a test's point of view.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration the tests were built with (the CLI is built with the same one).</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The built CLI, run with `dotnet bosun.dll ...`.</summary>
    public static string CliDll
    {
        get
        {
            var path = Path.Combine(Root, "src", "Bosun.Cli", "bin", Configuration, "net10.0", "bosun.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The bosun CLI is not built at {path}; build the solution first.");
        }
    }

    /// <summary>The test flows' executable (tests/Bosun.Sdk.TestFlows), which serves, deploys and runs them.</summary>
    public static string TestFlowsDll => BuiltDll("tests/Bosun.Sdk.TestFlows", "Bosun.Sdk.TestFlows");

    /// <summary>A built executable of this repository: <paramref name="projectFolder"/> relative to the root, e.g. examples/RepoInfo.</summary>
    public static string BuiltDll(string projectFolder, string assemblyName)
    {
        var path = Path.Combine(Root, projectFolder, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{assemblyName} is not built at {path}; build the solution first.");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bosun.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Bosun.slnx above {AppContext.BaseDirectory}.");
    }
}
