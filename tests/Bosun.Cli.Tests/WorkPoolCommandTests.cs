using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun work-pool ...` against a real server.</summary>
public sealed class WorkPoolCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Create_DockerPool_CreatesItAndHintsWorkerStart()
    {
        var name = ServerFixture.Unique("docker");

        var result = (await _cli.RunAsync("work-pool", "create", name, "--type", "docker", "--description", "tutorial")).Succeeded();

        Assert.Contains($"Created work pool '{name}'!", result.Out, StringComparison.Ordinal);
        Assert.Contains($"To start a worker for this pool, run: bosun worker start --pool {name}", result.Out, StringComparison.Ordinal);
        var pool = await fixture.Client.GetWorkPoolAsync(name);
        Assert.Equal(("docker", "tutorial", ReadinessStatus.NotReady), (pool.Type, pool.Description, pool.Status));
    }

    [Fact]
    public async Task Create_PausedWithLimit_PoolIsPausedAndLimited()
    {
        var name = ServerFixture.Unique("pool");

        (await _cli.RunAsync("work-pool", "create", name, "--paused", "--concurrency-limit", "3")).Succeeded();

        var pool = await fixture.Client.GetWorkPoolAsync(name);
        Assert.Equal((WorkPoolTypes.Process, true, (int?)3), (pool.Type, pool.Paused, pool.ConcurrencyLimit));
    }

    [Fact]
    public async Task Create_NameExists_FailsWithOverwriteHint()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        (await _cli.RunAsync("work-pool", "create", name)).FailedWith("already exists", "--overwrite");
    }

    [Fact]
    public async Task Create_OverwriteExisting_UpdatesOnlyWhatIsGiven()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.CreateWorkPoolAsync(new WorkPoolCreate(name, "process", "old", ConcurrencyLimit: 7));

        var result = (await _cli.RunAsync("work-pool", "create", name, "--overwrite", "--description", "new")).Succeeded();

        Assert.Contains($"Updated work pool '{name}'", result.Out, StringComparison.Ordinal);
        var pool = await fixture.Client.GetWorkPoolAsync(name);
        Assert.Equal(("new", (int?)7), (pool.Description, pool.ConcurrencyLimit));
    }

    [Fact]
    public async Task Create_OverwriteWithOtherType_FailsNamingBothTypes()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        (await _cli.RunAsync("work-pool", "create", name, "--type", "docker", "--overwrite")).FailedWith("type process", "cannot change");
    }

    [Fact]
    public async Task Create_BaseJobTemplateFile_PoolGetsThatTemplate()
    {
        var name = ServerFixture.Unique("pool");
        var file = Path.Combine(_cli.Home, "template.json");
        await File.WriteAllTextAsync(file, """
            {"job_configuration": {"command": "{{ command }}"}, "variables": {"type": "object", "properties": {"command": {"type": "string", "default": "run-me"}}}}
            """);

        (await _cli.RunAsync("work-pool", "create", name, "--base-job-template", file)).Succeeded();

        var pool = await fixture.Client.GetWorkPoolAsync(name);
        Assert.Equal("run-me", pool.BaseJobTemplate["variables"]?["properties"]?["command"]?["default"]?.GetValue<string>());
    }

    [Fact]
    public async Task Create_BaseJobTemplateNotJson_FailsNamingTheFile()
    {
        var file = Path.Combine(_cli.Home, "broken.json");
        await File.WriteAllTextAsync(file, "{\"job_configuration\": ");

        (await _cli.RunAsync("work-pool", "create", ServerFixture.Unique("pool"), "--base-job-template", file)).FailedWith(file, "not valid JSON");
    }

    [Fact]
    public async Task Create_BaseJobTemplateMissingFile_FailsNamingTheFile()
    {
        var file = Path.Combine(_cli.Home, "nope.json");

        (await _cli.RunAsync("work-pool", "create", ServerFixture.Unique("pool"), "--base-job-template", file)).FailedWith("Cannot read", file);
    }

    [Fact]
    public async Task Create_InvalidTemplateForServer_FailsWithServersReason()
    {
        var file = Path.Combine(_cli.Home, "undeclared.json");
        await File.WriteAllTextAsync(file, """{"job_configuration": {"x": "{{ undeclared }}"}, "variables": {"type": "object", "properties": {}}}""");

        (await _cli.RunAsync("work-pool", "create", ServerFixture.Unique("pool"), "--base-job-template", file)).FailedWith("undeclared");
    }

    [Fact]
    public async Task Create_UnknownType_ParseErrorListsTypes()
    {
        (await _cli.RunAsync("work-pool", "create", "p", "--type", "lambda")).FailedWith("lambda", "docker", "--help");
    }

    [Fact]
    public async Task Ls_Json_ListsPoolsInApiShape()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name, "kubernetes", limit: 4);

        var json = (await _cli.RunAsync("work-pool", "ls", "--output", "json")).Json();

        var pool = json.EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        Assert.Equal("kubernetes", pool.GetProperty("type").GetString());
        Assert.Equal(4, pool.GetProperty("concurrency_limit").GetInt32());
        Assert.Equal("NOT_READY", pool.GetProperty("status").GetString());
        Assert.Equal(1, pool.GetProperty("queue_count").GetInt32());
        Assert.True(pool.GetProperty("base_job_template").TryGetProperty("job_configuration", out _));
    }

    [Fact]
    public async Task Ls_Table_ShowsNameTypeAndStatus()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name, "docker");

        var result = (await _cli.RunAsync("work-pool", "ls")).Succeeded();

        var row = result.Out.Split('\n').Single(line => line.Contains(name, StringComparison.Ordinal));
        Assert.Contains("docker", row, StringComparison.Ordinal);
        Assert.Contains("Not ready", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Json_IsThePool()
    {
        var name = ServerFixture.Unique("pool");
        var created = await fixture.Client.PoolAsync(name);

        var json = (await _cli.RunAsync("work-pool", "inspect", name, "-o", "json")).Json();

        Assert.Equal(created.Id, json.GetProperty("id").GetGuid());
        Assert.Equal(name, json.GetProperty("name").GetString());
        Assert.False(json.GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Inspect_Table_ShowsQueuesAndWorkers()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);
        await fixture.Client.SendWorkerHeartbeatAsync(name, new WorkerHeartbeat("worker-7", "process", 30));

        var result = (await _cli.RunAsync("work-pool", "inspect", name)).Succeeded();

        Assert.Contains("default", result.Out, StringComparison.Ordinal);
        Assert.Contains("worker-7", result.Out, StringComparison.Ordinal);
        Assert.Contains("Online", result.Out, StringComparison.Ordinal);
        Assert.Contains("Ready", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_UnknownPool_FailsWithApiDetail()
    {
        (await _cli.RunAsync("work-pool", "inspect", "no-such-pool")).FailedWith("Work pool 'no-such-pool' does not exist", "bosun work-pool create");
    }

    [Fact]
    public async Task PauseThenResume_ChangesPausedFlag()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        Assert.Contains("Paused work pool", (await _cli.RunAsync("work-pool", "pause", name)).Succeeded().Out, StringComparison.Ordinal);
        Assert.Equal(ReadinessStatus.Paused, (await fixture.Client.GetWorkPoolAsync(name)).Status);
        (await _cli.RunAsync("work-pool", "resume", name)).Succeeded();
        Assert.False((await fixture.Client.GetWorkPoolAsync(name)).Paused);
    }

    [Fact]
    public async Task Pause_UnknownPool_Fails()
    {
        (await _cli.RunAsync("work-pool", "pause", "no-such-pool")).FailedWith("does not exist");
    }

    [Fact]
    public async Task Update_DescriptionAndLimit_Changed()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        (await _cli.RunAsync("work-pool", "update", name, "--description", "GPU machines", "--concurrency-limit", "2")).Succeeded();

        var pool = await fixture.Client.GetWorkPoolAsync(name);
        Assert.Equal(("GPU machines", (int?)2), (pool.Description, pool.ConcurrencyLimit));
    }

    [Fact]
    public async Task Update_NothingGiven_FailsListingOptions()
    {
        (await _cli.RunAsync("work-pool", "update", "any")).FailedWith("Nothing to update", "--description");
    }

    [Fact]
    public async Task SetThenClearConcurrencyLimit_Changed()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        (await _cli.RunAsync("work-pool", "set-concurrency-limit", name, "5")).Succeeded();
        Assert.Equal(5, (await fixture.Client.GetWorkPoolAsync(name)).ConcurrencyLimit);
        (await _cli.RunAsync("work-pool", "clear-concurrency-limit", name)).Succeeded();
        Assert.Null((await fixture.Client.GetWorkPoolAsync(name)).ConcurrencyLimit);
    }

    [Fact]
    public async Task SetConcurrencyLimit_Negative_FailsWithApiReason()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        (await _cli.RunAsync("work-pool", "set-concurrency-limit", name, "--", "-1")).FailedWith("concurrency_limit");
    }

    [Fact]
    public async Task Delete_IdlePool_Deleted()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        (await _cli.RunAsync("work-pool", "delete", name)).Succeeded();

        Assert.DoesNotContain((await fixture.Client.ListWorkPoolsAsync()).Items, pool => pool.Name == name);
    }

    [Fact]
    public async Task Delete_RunInFlight_FailsWithForceHintThenForceDeletes()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);
        var deployment = await fixture.Client.DeploymentAsync(name, flow: ServerFixture.Unique("flow"));
        await fixture.Client.RunAsync(deployment);
        Assert.Single((await fixture.Client.ClaimAsync(name)).Runs);

        (await _cli.RunAsync("work-pool", "delete", name)).FailedWith("in flight", $"bosun work-pool delete {name} --force");
        (await _cli.RunAsync("work-pool", "delete", name, "--force")).Succeeded();

        Assert.DoesNotContain((await fixture.Client.ListWorkPoolsAsync()).Items, pool => pool.Name == name);
    }

    [Theory]
    [InlineData("docker", "image")]
    [InlineData("process", "working_dir")]
    public async Task GetDefaultBaseJobTemplate_Type_PrintsTemplateJson(string type, string variable)
    {
        var json = (await _cli.RunAsync("work-pool", "get-default-base-job-template", "--type", type)).Json();

        Assert.True(json.TryGetProperty("job_configuration", out _));
        Assert.True(json.GetProperty("variables").GetProperty("properties").TryGetProperty(variable, out _));
    }

    [Fact]
    public async Task GetDefaultBaseJobTemplate_File_WritesUsableTemplate()
    {
        var file = Path.Combine(_cli.Home, "docker.json");
        var name = ServerFixture.Unique("pool");

        (await _cli.RunAsync("work-pool", "get-default-base-job-template", "--type", "docker", "--file", file)).Succeeded();
        (await _cli.RunAsync("work-pool", "create", name, "--type", "docker", "--base-job-template", file)).Succeeded();

        Assert.NotNull((await fixture.Client.GetWorkPoolAsync(name)).BaseJobTemplate["variables"]?["properties"]?["image_pull_policy"]);
    }

    [Fact]
    public async Task GetDefaultBaseJobTemplate_UnknownType_FailsListingTypes()
    {
        (await _cli.RunAsync("work-pool", "get-default-base-job-template", "--type", "lambda")).FailedWith("lambda", "docker");
    }

    [Fact]
    public async Task Preview_RunsInAndAfterWindow_OnlyThoseInWindowSoonestFirst()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);
        var deployment = await fixture.Client.DeploymentAsync(name, flow: ServerFixture.Unique("flow"));
        var now = TimeProvider.System.GetUtcNow();
        var later = await fixture.Client.RunAsync(deployment, now.AddMinutes(50), name: "in-fifty-minutes");
        var soon = await fixture.Client.RunAsync(deployment, now.AddMinutes(5), name: "in-five-minutes");
        await fixture.Client.RunAsync(deployment, now.AddHours(3), name: "in-three-hours");

        var json = (await _cli.RunAsync("work-pool", "preview", name, "--output", "json")).Json();
        var wider = (await _cli.RunAsync("work-pool", "preview", name, "--hours", "4", "--output", "json")).Json();
        var table = (await _cli.RunAsync("work-pool", "preview", name)).Succeeded();

        Assert.Equal([soon.Id, later.Id], json.EnumerateArray().Select(run => run.GetProperty("id").GetGuid()));
        Assert.Equal(3, wider.GetArrayLength());
        Assert.Contains("in 5 minutes", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("in-three-hours", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_UnknownPool_Fails()
    {
        (await _cli.RunAsync("work-pool", "preview", "no-such-pool")).FailedWith("does not exist");
    }

    [Fact]
    public async Task Preview_ZeroHours_Fails()
    {
        (await _cli.RunAsync("work-pool", "preview", "any", "--hours", "0")).FailedWith("--hours");
    }

    [Fact]
    public async Task Preview_NothingScheduled_SaysSo()
    {
        var name = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(name);

        var result = (await _cli.RunAsync("work-pool", "preview", name)).Succeeded();

        Assert.Contains("No runs", result.Out, StringComparison.Ordinal);
        Assert.Empty((await fixture.Client.ListFlowRunsAsync(new FlowRunFilter(WorkPoolName: name))).Items);
    }
}
