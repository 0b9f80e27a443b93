using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Bosun.Worker;

namespace Bosun.Sdk.Tests;

/// <summary>
/// `bosun deploy` of a bosun.yaml (the real CLI as a child process, deploying through the flows' own executable) and the
/// pull steps a real worker runs before each run: a git clone from a local bare repository, outputs between steps, a
/// failing step, idempotent redeploys and queue placement.
/// </summary>
public sealed class DeployFileEndToEndTests : IDisposable
{
    private readonly string _folder = TempDirectory.Create("bosun-deploy-file");

    public void Dispose() => TempDirectory.Delete(_folder);

    private static WorkerOptions WorkerFor(string pool, params string[] queues)
    {
        var options = new WorkerOptions
        {
            PoolName = pool,
            Type = "process",
            Name = "deploy-file-worker",
            ClaimWait = TimeSpan.FromSeconds(5),
            CancellationPollInterval = TimeSpan.FromMilliseconds(200),
            StopGracePeriod = TimeSpan.FromSeconds(10),
        };
        foreach (var queue in queues)
        {
            options.WorkQueues.Add(queue);
        }

        return options;
    }

    private static string TestFlowsProject => Path.Combine(RepoPaths.Root, "tests", "Bosun.Sdk.TestFlows");

    /// <summary>Writes bosun.yaml with <paramref name="deployments"/> (YAML, indented as list items) for the TestFlows project.</summary>
    private string WriteYaml(string deployments)
    {
        var path = Path.Combine(_folder, "bosun.yaml");
        File.WriteAllText(path, $"deployments:\n{deployments}");
        return path;
    }

    private static async Task<string> DeployAsync(TestServer server, string yaml, params string[] names)
    {
        await using var cli = ChildProcess.StartCli(["deploy", "--file", yaml, "--no-build", "--configuration", RepoPaths.Configuration, .. names], SdkScenario.Env(server));
        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"bosun deploy exited {code}:\n{cli.OutputText}");
        return cli.OutputText;
    }

    /// <summary>A bare repository (branch main) whose one commit holds the built TestFlows executable: code a worker can clone.</summary>
    private async Task<string> BareRepositoryWithFlowsAsync() =>
        (await LocalGitRepository.CreateAsync(_folder, Path.GetDirectoryName(RepoPaths.TestFlowsDll)!)).Bare;

    [Fact]
    public async Task Deploy_GitPullStepsWithOutputs_WorkerRunsTheFlowFromItsClone()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var bare = await BareRepositoryWithFlowsAsync();
        var yaml = WriteYaml($"""
              - name: from-git
                flow: echo
                project: {TestFlowsProject}
                work_pool:
                  name: proc
                parameters:
                  name: git
                pull:
                  - git_clone:
                      id: clone
                      repository: {bare}
                      branch: main
                  - run_command:
                      id: subject
                      command: "git -C {"{{"} clone.directory {"}}"} log -1 --format=%s"
                  - run_command:
                      command: "echo cloned commit {"{{"} clone.commit {"}}"} with subject {"{{"} subject.stdout {"}}"}"
                command: "dotnet Bosun.Sdk.TestFlows.dll"
            """);

        var output = await DeployAsync(server, yaml);

        Assert.Contains("Created deployment 'echo/from-git' on work pool 'proc'.", output, StringComparison.Ordinal);
        var deployment = await client.GetDeploymentByNameAsync("echo/from-git");
        // The command names no path of the deploying machine: a worker anywhere finds the executable in its clone.
        Assert.Equal("dotnet Bosun.Sdk.TestFlows.dll", deployment.Entrypoint);
        Assert.Equal(3, deployment.PullSteps!.Count);
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        var logs = await client.LogsContainingAsync(run.Id, "hello git");
        Assert.Contains(logs, l => l.Message.StartsWith($"git clone {bare} --branch main into ", StringComparison.Ordinal));
        var cloned = Assert.Single(logs, l => l.Message.StartsWith($"Cloned {bare} at commit ", StringComparison.Ordinal));
        var commit = cloned.Message.Split(' ')[^1].TrimEnd('.');
        Assert.Contains(logs, l => l.Message == $"cloned commit {commit} with subject flows v1");
    }

    [Fact]
    public async Task PullStep_Fails_RunCrashedNamingTheStep()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var yaml = WriteYaml($"""
              - name: broken
                flow: quick
                project: {TestFlowsProject}
                work_pool:
                  name: proc
                pull:
                  - git_clone:
                      id: fetch-code
                      repository: {Path.Combine(_folder, "no-such-repository.git")}
                command: "dotnet Bosun.Sdk.TestFlows.dll"
            """);
        await DeployAsync(server, yaml);
        await using var worker = await TestWorker.StartAsync(server, WorkerFor("proc"));

        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("quick/broken")).Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("pull step 'fetch-code' (git_clone) failed: git clone", done.State.Message, StringComparison.Ordinal);
        // git's own words are in the run's logs.
        await client.LogsContainingAsync(run.Id, "does not exist");
    }

    [Fact]
    public async Task Deploy_SameFileTwice_SecondChangesNothing_ChangedFileReportsWhatChanged()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await client.CreateWorkQueueAsync("proc", new WorkQueueCreate("high"));
        string Entry(string tag) => $"""
              - name: nightly
                flow: echo
                project: {TestFlowsProject}
                work_pool:
                  name: proc
                  work_queue_name: high
                  job_variables:
                    env:
                      MODE: full
                parameters:
                  name: night
                  count: 2
                schedules:
                  - cron: "0 3 * * *"
                    timezone: Europe/Berlin
                catch_up: LATEST
                concurrency_limit:
                  limit: 1
                  collision_strategy: CANCEL_NEW
                tags: [{tag}]
                description: The nightly echo
                version: "2.1"
            """;
        var yaml = WriteYaml(Entry("nightly"));
        await DeployAsync(server, yaml, "nightly");
        var first = await client.GetDeploymentByNameAsync("echo/nightly");

        var again = await DeployAsync(server, yaml, "echo/nightly");

        Assert.Contains("Deployment 'echo/nightly' is up to date: nothing changed.", again, StringComparison.Ordinal);
        var second = await client.GetDeploymentByNameAsync("echo/nightly");
        Assert.Equal(first.Updated, second.Updated);
        Assert.Equal(first.Schedules.Single().Id, second.Schedules.Single().Id);
        Assert.Equal(("high", CatchUpPolicy.Latest, 1, CollisionStrategy.CancelNew), (second.WorkQueueName, second.CatchUp, second.ConcurrencyLimit, second.CollisionStrategy));
        Assert.Equal(("The nightly echo", "2.1", "full"), (second.Description, second.Version, second.JobVariables["env"]!["MODE"]!.GetValue<string>()));
        Assert.Equal(("0 3 * * *", "Europe/Berlin"), (second.Schedules[0].Cron, second.Schedules[0].Timezone));
        Assert.Equal(2, second.Parameters["count"]!.GetValue<int>());

        File.WriteAllText(yaml, $"deployments:\n{Entry("weekly")}");
        var changed = await DeployAsync(server, yaml, "--all");

        Assert.Contains("Updated deployment 'echo/nightly' on work pool 'proc': tags changed.", changed, StringComparison.Ordinal);
        Assert.Equal(["weekly"], (await client.GetDeploymentByNameAsync("echo/nightly")).Tags);
    }

    [Fact]
    public async Task Deploy_WorkQueue_ItsRunsAreClaimedFromThatQueueOnly()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        await client.CreateWorkQueueAsync("proc", new WorkQueueCreate("high"));
        var yaml = WriteYaml($"""
              - name: urgent
                flow: quick
                project: {TestFlowsProject}
                work_pool:
                  name: proc
                  work_queue_name: high
            """);
        await DeployAsync(server, yaml);
        var deployment = await client.GetDeploymentByNameAsync("quick/urgent");

        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());

        Assert.Equal("high", (await client.GetFlowRunAsync(run.Id)).WorkQueueName);
        Assert.Empty((await client.ClaimAsync("proc", queues: ["default"])).Runs);
        Assert.Equal(run.Id, Assert.Single((await client.ClaimAsync("proc", queues: ["high"])).Runs).FlowRun.Id);
    }
}
