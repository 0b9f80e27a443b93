using System.Diagnostics;
using System.Text.Json;
using Bosun.Shared;

namespace Bosun.Sdk.Images;

/// <summary><c>dotnet publish -c Release -o DIR</c> of the project, its output streamed as progress.</summary>
internal static class DotnetPublish
{
    /// <summary>Publishes <paramref name="project"/> into <paramref name="outputDirectory"/>; a failure says why, with the compiler's errors.</summary>
    public static async Task RunAsync(ProjectDirectory project, string outputDirectory, ProgressWriter progress, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(DotnetExecutable()) { WorkingDirectory = project.Path };
        foreach (var argument in (string[])["publish", project.ProjectFile, "-c", "Release", "-o", outputDirectory, "--nologo"])
        {
            info.ArgumentList.Add(argument);
        }

        StreamedProcess.WithoutInheritedMSBuildSettings(info);
        progress.Line($"$ dotnet publish {project.ProjectFile} -c Release -o {outputDirectory}");
        var errors = new List<string>();
        void OnLine(string line, bool fromErrorStream)
        {
            progress.Line("  " + line);
            if (line.Contains(": error ", StringComparison.Ordinal))
            {
                lock (errors)
                {
                    errors.Add(line.Trim());
                }
            }
        }

        int exitCode;
        try
        {
            (exitCode, _) = await StreamedProcess.RunAsync(info, OnLine, keepOutput: false, cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DeploymentException($"Could not start `dotnet publish` ({info.FileName}): {ex.Message}. The .NET SDK is needed to build the image.", ex);
        }

        if (exitCode != 0)
        {
            var detail = errors.Count > 0 ? ":\n  " + string.Join("\n  ", errors.Distinct().Take(10)) : "; see its output above.";
            throw new DeploymentException($"`dotnet publish {project.ProjectFile} -c Release` failed with exit code {exitCode}{detail}");
        }
    }

    /// <summary>The app the publish produced: its assembly name and whether it needs ASP.NET Core, from its runtimeconfig.json.</summary>
    public static PublishedApp ReadApp(string outputDirectory, string? preferredName)
    {
        var configs = Directory.GetFiles(outputDirectory, "*.runtimeconfig.json");
        var config = configs.Length == 1
            ? configs[0]
            : configs.FirstOrDefault(c => Path.GetFileName(c) == $"{preferredName}.runtimeconfig.json");
        if (config is null)
        {
            throw new DeploymentException(configs.Length == 0
                ? $"The publish output in {outputDirectory} has no *.runtimeconfig.json: the project must be an executable (<OutputType>Exe</OutputType>) to run in a container."
                : $"The publish output in {outputDirectory} holds several apps ({string.Join(", ", configs.Select(Path.GetFileName))}); none is {preferredName}.");
        }

        var assembly = Path.GetFileName(config)[..^".runtimeconfig.json".Length];
        using var document = JsonDocument.Parse(File.ReadAllText(config));
        var options = document.RootElement.GetProperty("runtimeOptions");
        var frameworks = new List<(string Name, string Version)>();
        if (options.TryGetProperty("framework", out var single))
        {
            frameworks.Add((single.GetProperty("name").GetString() ?? "", single.GetProperty("version").GetString() ?? ""));
        }

        if (options.TryGetProperty("frameworks", out var several))
        {
            frameworks.AddRange(several.EnumerateArray().Select(f => (f.GetProperty("name").GetString() ?? "", f.GetProperty("version").GetString() ?? "")));
        }

        var aspNet = frameworks.Any(f => f.Name == "Microsoft.AspNetCore.App");
        var version = frameworks.Select(f => f.Version).FirstOrDefault(v => v.Length > 0) ?? "10.0.0";
        var parts = version.Split('.');
        return new PublishedApp(assembly, aspNet, parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : version);
    }

    private static string DotnetExecutable()
    {
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }
}

/// <summary>A published app: the assembly its image runs, and the base image family and version it needs.</summary>
internal sealed record PublishedApp(string AssemblyName, bool NeedsAspNetCore, string FrameworkVersion)
{
    /// <summary>Microsoft's runtime image for it: aspnet when it uses ASP.NET Core, else runtime.</summary>
    public string DefaultBaseImage => $"mcr.microsoft.com/dotnet/{(NeedsAspNetCore ? "aspnet" : "runtime")}:{FrameworkVersion}";
}
