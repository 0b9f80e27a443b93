using Bosun.Cli.Commands.Deploy;
using Bosun.Contracts.Deployments;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun deploy`'s checks of bosun.yaml (line-numbered, before anything is built or sent), `bosun init`, and the pull-step fields of `deployment update`.</summary>
public sealed class DeployCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();
    private readonly string _folder = TempDirectory.Create("bosun-deploy-cli");

    public void Dispose()
    {
        _cli.Dispose();
        TempDirectory.Delete(_folder);
    }

    private string Write(string text)
    {
        var path = Path.Combine(_folder, "bosun.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Deploy_SchemaErrors_EachReportedWithItsLine()
    {
        var path = Write("""
            deployments:
              - name: a
                flow: echo
                work_pool:
                  nme: proc
                concurrency_limit: -1
                pull:
                  - git_clon:
                      repository: x
                  - git_clone:
                      branch: main
            """);

        var result = await _cli.RunAsync("deploy", "--file", path);

        result.FailedWith($"{path}:5: deployments[0].work_pool: Required properties [\"name\"] are not present");
        Assert.Contains($"{path}:5: deployments[0].work_pool.nme: 'nme' is not allowed here", result.Err, StringComparison.Ordinal);
        Assert.Contains($"{path}:6: deployments[0].concurrency_limit: -1 should be at least 0", result.Err, StringComparison.Ordinal);
        Assert.Contains($"{path}:9: deployments[0].pull[0].git_clon: 'git_clon' is not allowed here", result.Err, StringComparison.Ordinal);
        Assert.Contains($"{path}:11: deployments[0].pull[1].git_clone: Required properties [\"repository\"] are not present", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RepoInfoExample_PassesTheSchemaAndSharesItsPullSteps()
    {
        var file = BosunYaml.Load(Path.Combine(RepoPaths.Root, "examples", "RepoInfo", "bosun.yaml"));

        Assert.Equal(["my-first-deployment", "nightly", "in-docker"], file.Deployments.Select(d => (string?)d["name"]));
        Assert.Equal("git_clone", file.Deployments[1]["pull"]![0]!.AsObject().Single().Key);
        Assert.Empty(file.Deployments[2]["pull"]!.AsArray());
    }

    [Fact]
    public async Task Deploy_YamlSyntaxError_ReportedWithItsLine()
    {
        var path = Write("deployments:\n  - name: a\n   flow: x\n");

        (await _cli.RunAsync("deploy", "--file", path)).FailedWith($"{path}:3: ");
    }

    [Fact]
    public async Task Deploy_SameDeploymentTwiceInFile_RefusedNamingIt()
    {
        var path = Write("""
            deployments:
              - { name: a, flow: echo, work_pool: { name: p } }
              - { name: a, flow: echo, work_pool: { name: q } }
            """);

        (await _cli.RunAsync("deploy", "--file", path, "--all")).FailedWith($"{path}:3: deployments[1]: 'echo/a' is deployed twice in this file");
    }

    [Fact]
    public async Task Deploy_SeveralDeploymentsNoneNamed_AsksForNamesOrAll()
    {
        var path = Write("""
            deployments:
              - { name: a, flow: echo, work_pool: { name: p } }
              - { name: b, flow: echo, work_pool: { name: p } }
            """);

        (await _cli.RunAsync("deploy", "--file", path)).FailedWith("has 2 deployments (echo/a, echo/b): name the ones to deploy, or give --all");
        (await _cli.RunAsync("deploy", "--file", path, "c")).FailedWith("has no deployment 'c'");
    }

    [Theory]
    [InlineData("process")]
    [InlineData("docker")]
    [InlineData("kubernetes")]
    public async Task Init_PoolType_WritesACommentedFileThatPassesTheSchema(string type)
    {
        var path = Path.Combine(_folder, $"{type}.yaml");

        (await _cli.RunAsync("init", "--pool-type", type, "--flow", "get-repo-info", "--file", path)).Succeeded();

        var text = await File.ReadAllTextAsync(path);
        Assert.Contains("# ", text, StringComparison.Ordinal);
        var deployment = Assert.Single(BosunYaml.Load(path).Deployments);
        Assert.Equal(("get-repo-info", $"my-{type}-pool"), ((string?)deployment["flow"], (string?)deployment["work_pool"]!["name"]));
        Assert.Equal(type != "process", deployment["build"] is not null);
        (await _cli.RunAsync("init", "--pool-type", type, "--file", path)).FailedWith("exists already; give --force");
    }

    [Fact]
    public async Task Init_NoPoolTypeAndNoTerminal_AsksForTheFlag()
    {
        (await _cli.RunAsync("init", "--file", Path.Combine(_folder, "x.yaml"))).FailedWith("Give --pool-type");
    }

    [Fact]
    public async Task DeploymentUpdate_EntrypointAndPullSteps_SavedAndCleared()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        var deployment = await fixture.Client.UpsertDeploymentAsync(new DeploymentUpsert(ServerFixture.Unique("etl"), "nightly", "'/home/me/bin/App'", WorkPoolName: pool));

        (await _cli.RunAsync("deployment", "update", deployment.FullName, "--entrypoint", "dotnet App.dll",
            "--pull-steps", """[{"git_clone": {"id": "clone", "repository": "https://example.invalid/flows.git"}}]""")).Succeeded();

        var after = await fixture.Client.GetDeploymentAsync(deployment.Id);
        Assert.Equal("dotnet App.dll", after.Entrypoint);
        Assert.Equal("https://example.invalid/flows.git", after.PullSteps![0]!["git_clone"]!["repository"]!.GetValue<string>());

        (await _cli.RunAsync("deployment", "update", deployment.FullName, "--clear", "pull-steps")).Succeeded();
        Assert.Null((await fixture.Client.GetDeploymentAsync(deployment.Id)).PullSteps);
    }

    [Fact]
    public async Task DeploymentUpdate_BadPullStep_RefusedNamingTheStep()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        var deployment = await fixture.Client.UpsertDeploymentAsync(new DeploymentUpsert(ServerFixture.Unique("etl"), "nightly", "cmd", WorkPoolName: pool));

        (await _cli.RunAsync("deployment", "update", deployment.FullName, "--pull-steps", """[{"git_clone": {"branch": "main"}}, {"fetch": {}}]"""))
            .FailedWith("step 1 (git_clone) needs 'repository'; step 2: 'fetch' is not a pull step");
        Assert.Null((await fixture.Client.GetDeploymentAsync(deployment.Id)).PullSteps);
    }
}
