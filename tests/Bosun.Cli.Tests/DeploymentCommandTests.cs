using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun deployment ...` against a real server, including `run --watch` while the test plays the worker.</summary>
public sealed class DeploymentCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    private static readonly string[] WatchedStates = ["Scheduled", "Pending", "Running", "Completed"];

    public void Dispose() => _cli.Dispose();

    private async Task<Deployment> DeploymentAsync(string? pool = null)
    {
        pool ??= ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);
        return await fixture.Client.UpsertDeploymentAsync(new DeploymentUpsert(
            ServerFixture.Unique("get-repo-info"), "my-first-deployment", Entrypoint: "test",
            Parameters: new JsonObject { ["repoName"] = "PrefectHQ/prefect" },
            ParameterSchema: JsonNode.Parse("""
                {"type": "object", "properties": {"repoName": {"type": "string"}, "count": {"type": "integer"}, "verbose": {"type": "boolean"}}}
                """)!.AsObject(),
            WorkPoolName: pool, Tags: ["t1"]));
    }

    private async Task<FlowRun> SingleRunAsync(Deployment deployment) =>
        await fixture.Client.GetFlowRunAsync(Assert.Single((await fixture.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items).Id);

    [Fact]
    public async Task Ls_Json_ListsDeploymentsWithPool()
    {
        var deployment = await DeploymentAsync();

        var json = (await _cli.RunAsync("deployment", "ls", "--pool", deployment.WorkPoolName!, "--output", "json")).Json();

        var item = Assert.Single(json.EnumerateArray());
        Assert.Equal((deployment.Id, deployment.FlowName, "my-first-deployment"),
            (item.GetProperty("id").GetGuid(), item.GetProperty("flow_name").GetString(), item.GetProperty("name").GetString()));
        Assert.Equal(deployment.WorkPoolName, item.GetProperty("work_pool_name").GetString());
    }

    [Fact]
    public async Task Ls_Table_ShowsFullName()
    {
        var deployment = await DeploymentAsync();

        var result = (await _cli.RunAsync("deployment", "ls", "--flow", deployment.FlowName)).Succeeded();

        Assert.Contains(deployment.FullName, result.Out, StringComparison.Ordinal);
        Assert.Contains("Not ready", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_Json_IsTheDeployment()
    {
        var deployment = await DeploymentAsync();

        var json = (await _cli.RunAsync("deployment", "inspect", deployment.FullName, "--output", "json")).Json();

        Assert.Equal(deployment.Id, json.GetProperty("id").GetGuid());
        Assert.Equal("PrefectHQ/prefect", json.GetProperty("parameters").GetProperty("repoName").GetString());
        Assert.True(json.GetProperty("parameter_schema").GetProperty("properties").TryGetProperty("count", out _));
    }

    [Fact]
    public async Task Inspect_Table_ShowsParameterNames()
    {
        var deployment = await DeploymentAsync();

        var result = (await _cli.RunAsync("deployment", "inspect", deployment.FullName)).Succeeded();

        Assert.Contains("repoName, count, verbose", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_UnknownDeployment_FailsWithListHint()
    {
        (await _cli.RunAsync("deployment", "inspect", "no-flow/no-deployment")).FailedWith("'no-flow/no-deployment' does not exist", "bosun deployment ls");
    }

    [Fact]
    public async Task Inspect_NameWithoutSlash_FailsSayingTheForm()
    {
        (await _cli.RunAsync("deployment", "inspect", "just-a-name")).FailedWith("flow-name/deployment-name");
    }

    [Fact]
    public async Task PauseThenResume_ChangesPausedFlag()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "pause", deployment.FullName)).Succeeded();
        Assert.True((await fixture.Client.GetDeploymentAsync(deployment.Id)).Paused);
        (await _cli.RunAsync("deployment", "resume", deployment.FullName)).Succeeded();
        Assert.False((await fixture.Client.GetDeploymentAsync(deployment.Id)).Paused);
    }

    [Fact]
    public async Task Delete_Deployment_Gone()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "delete", deployment.FullName)).Succeeded();

        (await _cli.RunAsync("deployment", "inspect", deployment.FullName)).FailedWith("does not exist");
    }

    [Fact]
    public async Task PreviewJob_JobVariable_RenderedIntoConfiguration()
    {
        var deployment = await DeploymentAsync();

        var json = (await _cli.RunAsync("deployment", "preview-job", deployment.FullName, "--job-variable", "working_dir=/srv/flows",
            "--job-variable", "stream_output=false", "--output", "json")).Json();

        var configuration = json.GetProperty("configuration");
        Assert.Equal("/srv/flows", configuration.GetProperty("working_dir").GetString());
        Assert.False(configuration.GetProperty("stream_output").GetBoolean());
        Assert.Equal("process", json.GetProperty("work_pool_type").GetString());
    }

    [Fact]
    public async Task PreviewJob_Table_PrintsConfiguration()
    {
        var deployment = await DeploymentAsync();

        var result = (await _cli.RunAsync("deployment", "preview-job", deployment.FullName, "--job-variable", "working_dir=/srv/flows")).Succeeded();

        Assert.Contains("\"working_dir\": \"/srv/flows\"", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ParamsParamsAndTags_RunCreatedWithTypedValues()
    {
        var deployment = await DeploymentAsync();

        var result = (await _cli.RunAsync("deployment", "run", deployment.FullName, "--params", """{"count": 1, "verbose": false}""",
            "--param", "repoName=dotnet/runtime", "--param", "count=3", "--tag", "backfill", "--tag", "cli")).Succeeded();

        var run = await SingleRunAsync(deployment);
        Assert.Contains($"Created flow run '{run.Name}'", result.Out, StringComparison.Ordinal);
        Assert.Contains($"bosun flow-run watch {run.Id}", result.Out, StringComparison.Ordinal);
        Assert.Equal("dotnet/runtime", run.Parameters["repoName"]!.GetValue<string>());
        Assert.Equal(3, run.Parameters["count"]!.GetValue<int>());
        Assert.False(run.Parameters["verbose"]!.GetValue<bool>());
        Assert.Equal(["backfill", "cli", "t1"], run.Tags.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Run_JobVariable_StoredOnTheRunOnly()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "run", deployment.FullName, "--job-variable", "stream_output=false")).Succeeded();

        var run = await SingleRunAsync(deployment);
        Assert.False(run.JobVariables["stream_output"]!.GetValue<bool>());
        Assert.Empty((await fixture.Client.GetDeploymentAsync(deployment.Id)).JobVariables);
    }

    [Fact]
    public async Task Run_StartIn_ScheduledThatFarAhead()
    {
        var deployment = await DeploymentAsync();
        // The store keeps whole milliseconds: the CLI's clock, read after this one, can fall in the same millisecond.
        var now = TimeProvider.System.GetUtcNow();
        var before = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());

        var result = (await _cli.RunAsync("deployment", "run", deployment.FullName, "--start-in", "2h")).Succeeded();

        var run = await SingleRunAsync(deployment);
        Assert.InRange(run.ExpectedStartTime, before.AddHours(2), TimeProvider.System.GetUtcNow().AddHours(2));
        Assert.Contains("(in 2 hours)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StartAt_ScheduledAtThatTime()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "run", deployment.FullName, "--start-at", "2030-01-05T14:00:00+01:00")).Succeeded();

        Assert.Equal(DateTimeOffset.Parse("2030-01-05T13:00:00Z", System.Globalization.CultureInfo.InvariantCulture), (await SingleRunAsync(deployment)).ExpectedStartTime);
    }

    [Theory]
    [InlineData("--start-in", "soon", "not a duration")]
    [InlineData("--start-at", "tomorrow-ish", "ISO 8601")]
    public async Task Run_BadStartTime_FailsSayingTheForm(string option, string value, string fragment)
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "run", deployment.FullName, option, value)).FailedWith(fragment);

        Assert.Empty((await fixture.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items);
    }

    [Fact]
    public async Task Run_StartInAndStartAt_FailsAskingForOne()
    {
        (await _cli.RunAsync("deployment", "run", "f/d", "--start-in", "5m", "--start-at", "2030-01-01T00:00:00Z")).FailedWith("not both");
    }

    [Fact]
    public async Task Run_UnknownParameter_FailsListingKnownOnesAndCreatesNothing()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "run", deployment.FullName, "--param", "repo=x")).FailedWith("'repo'", "known parameters: repoName, count, verbose");

        Assert.Empty((await fixture.Client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items);
    }

    [Fact]
    public async Task Run_ParameterOfWrongType_FailsWithServersReason()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "run", deployment.FullName, "--param", "count=many")).FailedWith("count");
    }

    [Theory]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    public async Task Run_BadParamsJson_FailsNamingOption(string value, string fragment)
    {
        (await _cli.RunAsync("deployment", "run", "f/d", "--params", value)).FailedWith("--params", fragment);
    }

    [Fact]
    public async Task Run_ParamWithoutEquals_FailsSayingTheForm()
    {
        (await _cli.RunAsync("deployment", "run", "f/d", "--param", "repoName")).FailedWith("key=value");
    }

    [Fact]
    public async Task Run_UnknownDeployment_Fails()
    {
        (await _cli.RunAsync("deployment", "run", "no-flow/no-deployment")).FailedWith("does not exist");
    }

    [Fact]
    public async Task RunWatch_RunCompletes_PrintsStatesAndLogsExitZero()
    {
        var deployment = await DeploymentAsync();
        var client = fixture.Client;

        var watching = _cli.Start("deployment", "run", deployment.FullName, "--param", "repoName=dotnet/runtime", "--watch");
        await watching.PrintedAsync(" Scheduled");
        var run = await Eventually.ValueAsync(() => client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id)),
            page => page.Items.Count == 1, "the CLI has created the run");
        Assert.Single((await client.ClaimAsync(deployment.WorkPoolName!)).Runs);
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Items[0].Id, new StateProposal(StateType.Running))).Status);
        await client.WriteLogsAsync([new LogCreate(run.Items[0].Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "dotnet/runtime has 15000 stars")]);
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Items[0].Id, new StateProposal(StateType.Completed))).Status);
        var result = (await watching.Completion).Succeeded();

        Assert.Contains("dotnet/runtime has 15000 stars", result.Out, StringComparison.Ordinal);
        var states = WatchedStates.Select(state => result.Out.IndexOf($" {state}", StringComparison.Ordinal)).ToList();
        Assert.All(states, index => Assert.True(index >= 0, result.Out));
        Assert.Equal(states.Order(), states);
        Assert.Contains("completed.", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunWatch_RunFails_ErrorLineAndExitOne()
    {
        var deployment = await DeploymentAsync();
        var client = fixture.Client;

        var watching = _cli.Start("deployment", "run", deployment.FullName, "--watch");
        await watching.PrintedAsync(" Scheduled");
        var run = await Eventually.ValueAsync(() => client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id)),
            page => page.Items.Count == 1, "the CLI has created the run");
        await client.ClaimAsync(deployment.WorkPoolName!);
        await client.SetFlowRunStateAsync(run.Items[0].Id, new StateProposal(StateType.Running));
        await client.SetFlowRunStateAsync(run.Items[0].Id, new StateProposal(StateType.Failed, Message: "HttpRequestException: 404"));
        var result = await watching.Completion;

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"Error: Flow run '{run.Items[0].Name}' ended Failed: HttpRequestException: 404. Read its logs with `bosun flow-run logs {run.Items[0].Id}`.",
            result.Err.TrimEnd());
        Assert.Contains("Failed", result.Out, StringComparison.Ordinal);
    }
}
