using System.IO.Compression;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Sdk.Tests;

/// <summary>
/// The pull steps besides a plain clone, run by a real process worker before the flow: a download of a zip from an HTTP
/// server on 127.0.0.1 (extracted, the flow run from it), a clone checked out at an older commit, and a dotnet build and
/// publish of a small project whose published app a later step runs.
/// </summary>
public sealed class PullStepKindsEndToEndTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("bosun-pull-kinds");

    public void Dispose() => TempDirectory.Delete(_folder);

    private static string FlowsDirectory => Path.GetDirectoryName(RepoPaths.TestFlowsDll)!;

    /// <summary>Deploys flow 'quick' with <paramref name="steps"/> and <paramref name="command"/>, runs it once with a worker and returns the finished run.</summary>
    private static async Task<FlowRun> RunWithPullStepsAsync(TestServer server, string name, string command, JsonArray steps, JsonObject? jobVariables = null)
    {
        var client = server.Client;
        try
        {
            await client.PoolAsync("proc");
        }
        catch (BosunApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // An earlier run of this test made it.
        }

        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("quick", name, command, WorkPoolName: "proc", JobVariables: jobVariables) { PullSteps = steps });
        await using var worker = await TestWorker.StartAsync(server, new WorkerOptions
        {
            PoolName = "proc",
            Type = "process",
            Name = "pull-kinds-worker",
            ClaimWait = TimeSpan.FromSeconds(5),
        });
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        // A dotnet build and publish on a loaded 2-core machine can take minutes.
        return await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.State.Type.IsTerminal(), $"run {run.Id} finished", TimeSpan.FromMinutes(4));
    }

    private static JsonObject Step(string type, JsonObject fields) => new() { [type] = fields };

    [Fact]
    public async Task Download_ZipFromHttpServer_ExtractedAndTheFlowRunsFromIt()
    {
        await using var server = await TestServer.StartAsync();
        using var artifacts = new StubHttpServer(new());
        var zip = Path.Combine(_folder, "flows.zip");
        ZipFile.CreateFromDirectory(FlowsDirectory, zip);
        artifacts.Files["/releases/flows.zip"] = await File.ReadAllBytesAsync(zip);
        var url = $"{artifacts.BaseUrl}/releases/flows.zip";

        var done = await RunWithPullStepsAsync(server, "from-zip", "dotnet Bosun.Sdk.TestFlows.dll", [
            Step("download", new JsonObject { ["id"] = "fetch", ["url"] = url }),
            Step("run_command", new JsonObject { ["command"] = "echo extracted into {{ fetch.directory }} from {{ fetch.file }}" }),
        ]);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        Assert.Contains("/releases/flows.zip", artifacts.Requests);
        var logs = await server.Client.LogsContainingAsync(done.Id, "Extracted flows.zip into ");
        Assert.Contains(logs, l => l.Message == $"Downloading {url}");
        var extracted = Assert.Single(logs, l => l.Message.StartsWith("Extracted flows.zip into ", StringComparison.Ordinal)).Message["Extracted flows.zip into ".Length..].TrimEnd('.');
        Assert.EndsWith(Path.Combine("", "flows"), extracted, StringComparison.Ordinal);
        Assert.Contains(logs, l => l.Message == $"extracted into {extracted} from {Path.Combine(Path.GetDirectoryName(extracted)!, "flows.zip")}");
    }

    [Fact]
    public async Task GitClone_Commit_ThatOlderCommitIsCheckedOut()
    {
        await using var server = await TestServer.StartAsync();
        var repository = await LocalGitRepository.CreateAsync(_folder, FlowsDirectory);
        await File.WriteAllTextAsync(Path.Combine(repository.Work, "release.txt"), "v1");
        var first = await repository.CommitAsync("release v1");
        await File.WriteAllTextAsync(Path.Combine(repository.Work, "release.txt"), "v2");
        var second = await repository.CommitAsync("release v2");
        Assert.NotEqual(first, second);

        var done = await RunWithPullStepsAsync(server, "at-commit", "dotnet Bosun.Sdk.TestFlows.dll", [
            Step("git_clone", new JsonObject { ["id"] = "clone", ["repository"] = repository.Bare, ["commit"] = first }),
            Step("run_command", new JsonObject { ["id"] = "release", ["command"] = "cat release.txt" }),
            Step("run_command", new JsonObject { ["command"] = "echo running release {{ release.stdout }} at {{ clone.commit }}" }),
        ]);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        var logs = await server.Client.LogsContainingAsync(done.Id, "running release ");
        Assert.Contains(logs, l => l.Message == $"Cloned {repository.Bare} at commit {first}.");
        Assert.Contains(logs, l => l.Message == $"running release v1 at {first}");
    }

    [Fact]
    public async Task DotnetBuildAndPublish_SmallProject_PublishedAppRunByALaterStep()
    {
        await using var server = await TestServer.StartAsync();
        // A plain console app outside the repository (none of its build settings), with no package to restore.
        var project = Path.Combine(_folder, "small");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "Small.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), """Console.WriteLine($"small app says {string.Join(' ', args)}");""");

        var done = await RunWithPullStepsAsync(server, "from-source", $"dotnet {RepoPaths.TestFlowsDll}", [
            Step("dotnet_build", new JsonObject { ["id"] = "build", ["project"] = project, ["configuration"] = "Debug" }),
            Step("dotnet_publish", new JsonObject { ["id"] = "publish", ["project"] = project }),
            Step("run_command", new JsonObject { ["command"] = "dotnet {{ publish.dll }} hello from {{ publish.directory }}" }),
        ]);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        var logs = await server.Client.LogsContainingAsync(done.Id, "small app says hello from ");
        Assert.True(File.Exists(Path.Combine(project, "bin", "Debug", "net10.0", "Small.dll")), "dotnet_build left no Debug build.");
        var said = Assert.Single(logs, l => l.Message.StartsWith("small app says hello from ", StringComparison.Ordinal)).Message;
        Assert.EndsWith(".bosun-publish", said, StringComparison.Ordinal);
        Assert.Contains(logs, l => l.Message == "Pull step 'publish' (dotnet_publish): done.");
    }
    [Fact]
    public async Task GitClone_PrivateHttpRepository_TokenFromSecretOrEnvironment_ClonedWithItAndNeverLogged()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var token = $"tok-{Guid.NewGuid():N}";
        await client.SetSecretAsync("git-token", token);
        var repository = await LocalGitRepository.CreateAsync(_folder, FlowsDirectory);
        using var git = new GitHttpServer(_folder, "x-access-token", token);
        var url = $"{git.BaseUrl}/flows.git";

        var fromSecret = await RunWithPullStepsAsync(server, "private-secret", "dotnet Bosun.Sdk.TestFlows.dll", [
            Step("git_clone", new JsonObject { ["id"] = "clone", ["repository"] = url, ["credentials"] = "{{ secret.git-token }}" }),
        ]);

        Assert.True(fromSecret.State.Type == StateType.Completed, $"{fromSecret.State.Type}: {fromSecret.State.Message}");
        var logs = await client.LogsContainingAsync(fromSecret.Id, $"Cloned {url} at commit {await repository.HeadAsync()}.");
        Assert.Contains(git.Requests, r => r is { Request: "POST /flows.git/git-upload-pack", Authorized: true });
        Assert.DoesNotContain(git.Requests, r => !r.Authorized);
        Assert.DoesNotContain(logs, l => l.Message.Contains(token, StringComparison.Ordinal));

        // The same token from the run's environment on the worker (here the job's env), as user:token.
        var fromEnvironment = await RunWithPullStepsAsync(server, "private-env", "dotnet Bosun.Sdk.TestFlows.dll", [
            Step("git_clone", new JsonObject { ["repository"] = url, ["credentials"] = "x-access-token:{{ env.GIT_TOKEN }}" }),
        ], new JsonObject { ["env"] = new JsonObject { ["GIT_TOKEN"] = token } });

        Assert.True(fromEnvironment.State.Type == StateType.Completed, $"{fromEnvironment.State.Type}: {fromEnvironment.State.Message}");

        // A wrong token: the server refuses it, and the run is CRASHED naming the step, without the token in its message or logs.
        await client.SetSecretAsync("git-token", "wrong-token");
        var refused = await RunWithPullStepsAsync(server, "private-wrong", "dotnet Bosun.Sdk.TestFlows.dll", [
            Step("git_clone", new JsonObject { ["id"] = "clone", ["repository"] = url, ["credentials"] = "{{ secret.git-token }}" }),
        ]);

        Assert.Equal(StateType.Crashed, refused.State.Type);
        Assert.StartsWith("failed to submit: pull step 'clone' (git_clone) failed: git ", refused.State.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-token", refused.State.Message, StringComparison.Ordinal);
        Assert.Contains(git.Requests, r => !r.Authorized);
        var refusedLogs = await client.LogsContainingAsync(refused.Id, "fatal: ");
        Assert.DoesNotContain(refusedLogs, l => l.Message.Contains("wrong-token", StringComparison.Ordinal));
    }
}
