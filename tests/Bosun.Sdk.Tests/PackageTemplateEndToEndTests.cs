using System.IO.Compression;
using System.Runtime.InteropServices;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Sdk.Tests;

/// <summary>
/// How a .NET user starts: the packages packed into a local folder feed, `dotnet new bosun-flow` from the Bosun.Templates
/// package, the project restored from that feed alone (no project reference, no network) and built, `bosun deploy` run
/// by the Bosun.Cli tool installed from the feed, and a worker of a process pool running the deployed flow.
/// The dotnet CLI's home, template store and packages folder are temporary: the machine's own state is not touched.
/// </summary>
public sealed class PackageTemplateEndToEndTests : IDisposable
{
    private static readonly string[] PackedProjects =
        ["Bosun.Contracts", "Bosun.Client", "Bosun.Worker", "Bosun.Sdk", "Bosun.Cli", "Bosun.Templates"];

    private readonly string _folder = TempDirectory.Create("bosun-packages");

    public void Dispose() => TempDirectory.Delete(_folder);

    private string Feed => Path.Combine(_folder, "feed");

    private string Project => Path.Combine(_folder, "MyFlows");

    /// <summary>The machine's packages folder: read as a fallback (never written) so the restore needs no network.</summary>
    private static string MachinePackages =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private Dictionary<string, string?> Env(TestServer? server = null) => new()
    {
        ["DOTNET_CLI_HOME"] = Path.Combine(_folder, "home"),
        ["NUGET_PACKAGES"] = Path.Combine(_folder, "packages"),
        ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1",
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["BOSUN_API_URL"] = server?.ApiUrl.ToString(),
        ["BOSUN_FLOW_RUN_ID"] = null,
    };

    private async Task<string> RunAsync(string fileName, string[] arguments, string workingDirectory, TestServer? server = null)
    {
        await using var process = ChildProcess.Start(fileName, arguments, Env(server), workingDirectory);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"{fileName} {string.Join(' ', arguments)} exited {code}:\n{process.OutputText}");
        return process.OutputText;
    }

    /// <summary>Packs the built projects (one MSBuild call, in parallel) into the folder feed.</summary>
    private async Task PackAsync()
    {
        var projects = string.Join(';', PackedProjects.Select(p => Path.Combine(RepoPaths.Root, "src", p, p + ".csproj")));
        var traversal = Path.Combine(_folder, "pack.proj");
        await File.WriteAllTextAsync(traversal, $"""
            <Project>
              <Target Name="PackAll">
                <MSBuild Projects="{projects}" Targets="Pack" BuildInParallel="true"
                         Properties="Configuration={RepoPaths.Configuration};NoBuild=true;PackageOutputPath={Feed}" />
              </Target>
            </Project>
            """);
        await RunAsync("dotnet", ["msbuild", traversal, "-t:PackAll", "-m", "-nologo", "-v:minimal"], _folder);
    }

    [Fact]
    public async Task DotnetNewBosunFlow_FromPackedFeed_BuildsOfflineDeploysAndRunsToCompleted()
    {
        await PackAsync();
        foreach (var package in PackedProjects)
        {
            Assert.True(File.Exists(Path.Combine(Feed, $"{package}.0.1.0.nupkg")), $"{package}.0.1.0.nupkg was not packed into the feed.");
        }

        using (var sdk = ZipFile.OpenRead(Path.Combine(Feed, "Bosun.Sdk.0.1.0.nupkg")))
        {
            Assert.NotNull(sdk.GetEntry("README.md"));
            using var reader = new StreamReader(sdk.GetEntry("Bosun.Sdk.nuspec")!.Open());
            var nuspec = await reader.ReadToEndAsync();
            Assert.Contains("<dependency id=\"Bosun.Client\" version=\"0.1.0\"", nuspec, StringComparison.Ordinal);
            Assert.Contains("<dependency id=\"Bosun.Contracts\" version=\"0.1.0\"", nuspec, StringComparison.Ordinal);
            Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
            // Source link: the commit the package was built from.
            Assert.Matches("<repository type=\"git\"[^>]* commit=\"[0-9a-f]{40}\"", nuspec);
        }

        Assert.True(File.Exists(Path.Combine(Feed, "Bosun.Sdk.0.1.0.snupkg")), "No symbol package beside Bosun.Sdk.");

        await RunAsync("dotnet", ["new", "install", Path.Combine(Feed, "Bosun.Templates.0.1.0.nupkg")], _folder);
        await RunAsync("dotnet", ["new", "bosun-flow", "-n", "MyFlows", "-o", Project], _folder);
        var csproj = await File.ReadAllTextAsync(Path.Combine(Project, "src", "MyFlows", "MyFlows.csproj"));
        Assert.Contains("""<PackageReference Include="Bosun.Sdk" Version="0.1.0" />""", csproj, StringComparison.Ordinal);
        Assert.DoesNotContain("ProjectReference", csproj, StringComparison.Ordinal);

        // Only the folder feed as a source; the machine's packages folder only as a read-only fallback for xunit & co.
        await File.WriteAllTextAsync(Path.Combine(Project, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="bosun-feed" value="{Feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{MachinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        await RunAsync("dotnet", ["build", "MyFlows.slnx", "-c", "Release", "-nologo", "-v:minimal"], Project);
        Assert.True(Directory.Exists(Path.Combine(_folder, "packages", "bosun.sdk", "0.1.0")), "Bosun.Sdk was not restored from the folder feed.");
        var tests = await RunAsync("dotnet", ["test", "MyFlows.slnx", "-c", "Release", "--no-build", "-nologo"], Project);
        Assert.Contains("Passed!", tests, StringComparison.Ordinal);

        var tools = Path.Combine(_folder, "tools");
        await RunAsync("dotnet", ["tool", "install", "Bosun.Cli", "--version", "0.1.0", "--tool-path", tools], Project);

        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("my-process-pool");
        var deployed = await RunAsync(Path.Combine(tools, "bosun"), ["deploy", "--no-build"], Project, server);
        Assert.Contains("Created deployment 'hello/hello' on work pool 'my-process-pool'.", deployed, StringComparison.Ordinal);

        var deployment = await client.GetDeploymentByNameAsync("hello/hello");
        Assert.Equal(["hello"], deployment.Tags);
        await using var worker = await TestWorker.StartAsync(server, new WorkerOptions
        {
            PoolName = "my-process-pool",
            Type = "process",
            Name = "template-worker",
            ClaimWait = TimeSpan.FromSeconds(5),
        });
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        await client.LogsContainingAsync(run.Id, "Hello, world!");
    }
}
