namespace Bosun.Sdk.Images;

/// <summary>
/// The .NET project an image is built from: the entry assembly's project, found by walking up from the executable's
/// folder (bin/Debug/net10.0 sits inside the project), then from the current directory.
/// </summary>
internal sealed record ProjectDirectory(string Path, string ProjectFile)
{
    private static readonly string[] ProjectPatterns = ["*.csproj", "*.fsproj", "*.vbproj"];

    /// <summary>Finds the project of <paramref name="assemblyName"/> above any of <paramref name="startDirectories"/>.</summary>
    public static ProjectDirectory Find(string? assemblyName, IEnumerable<string> startDirectories)
    {
        var searched = new List<string>();
        foreach (var start in startDirectories.Where(d => !string.IsNullOrEmpty(d)).Select(d => System.IO.Path.GetFullPath(d)).Distinct(StringComparer.Ordinal))
        {
            searched.Add(start);
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (!directory.Exists)
                {
                    continue;
                }

                var projects = ProjectPatterns.SelectMany(pattern => directory.GetFiles(pattern)).Select(f => f.FullName).Order(StringComparer.Ordinal).ToList();
                if (projects.Count == 0)
                {
                    continue;
                }

                var named = projects.FirstOrDefault(p => string.Equals(System.IO.Path.GetFileNameWithoutExtension(p), assemblyName, StringComparison.Ordinal));
                if (named is not null)
                {
                    return new ProjectDirectory(directory.FullName, named);
                }

                if (projects.Count == 1)
                {
                    return new ProjectDirectory(directory.FullName, projects[0]);
                }

                throw new DeploymentException(
                    $"{directory.FullName} holds several projects ({string.Join(", ", projects.Select(System.IO.Path.GetFileName))}) and none is named {assemblyName}.csproj: " +
                    "run the deploy from the flow's own project (dotnet run in its folder).");
            }
        }

        throw new DeploymentException(
            $"No .NET project (.csproj) found in {string.Join(" or ", searched)} or any folder above: the image is built from the flow's project. " +
            "Run the deploy from the project's folder (dotnet run), where its .csproj is.");
    }

    /// <summary>Where this executable's project is: walking up from its own folder first, then from the current directory.</summary>
    public static ProjectDirectory OfEntryAssembly() =>
        Find(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name, [AppContext.BaseDirectory, Environment.CurrentDirectory]);
}
