using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>The RepoInfo example's second flow (tasks and a subflow), served by the built example against a local HTTP server.</summary>
public sealed class RepoReportTests
{
    [Fact]
    public async Task RepoReport_TwoRuns_TasksThenCachedSubflowLinkedAndReportKept()
    {
        using var github = new StubHttpServer(new()
        {
            ["/repos/bosun/bosun"] = """{"stargazers_count": 110, "forks_count": 7}""",
            ["/repos/bosun/bosun/contributors"] = """[{"login": "ada"}, {"login": "grace"}, {"login": "linus"}]""",
        });
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [SdkScenario.RepoInfoDll, "serve", "--flow", "repo-report", "--name", "report"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await client.GetDeploymentByNameAsync("repo-report/report");
        var parameters = new JsonObject { ["repoName"] = "bosun/bosun", ["apiUrl"] = github.BaseUrl, ["top"] = 2 };

        var first = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(parameters));
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(first.Id)).State.Type);
        var second = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate((JsonObject)parameters.DeepClone()));
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(second.Id)).State.Type);

        var report = (await client.GetFlowRunResultAsync(first.Id)).Value!.AsObject();
        Assert.Equal("bosun/bosun: 110 stars, 7 forks; top contributors: ada, grace", report["summary"]!.GetValue<string>());
        Assert.Equal(["ada", "grace"], report["topContributors"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal([("fetch-contributors", TaskRunStateType.Completed), ("fetch-repo", TaskRunStateType.Completed)],
            (await client.ListTaskRunsAsync(first.Id)).Select(t => (t.TaskName, t.State)).OrderBy(t => t.TaskName));
        Assert.Equal([("fetch-contributors", TaskRunStateType.Cached), ("fetch-repo", TaskRunStateType.Cached)],
            (await client.ListTaskRunsAsync(second.Id)).Select(t => (t.TaskName, t.State)).OrderBy(t => t.TaskName));
        var child = Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: first.Id))).Items);
        Assert.Equal(("summarize-repo", StateType.Completed), (child.FlowName, child.State.Type));
        Assert.Equal(report["summary"]!.GetValue<string>(), (await client.GetFlowRunResultAsync(child.Id)).Value!.GetValue<string>());
        Assert.Equal(2, github.Requests.Count);
    }
}
