using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>
/// Results too large for a database row (over 64 KiB of JSON, the server's inline limit), written by a real flow-run
/// process (tests/Bosun.Sdk.TestFlows/ResultFlows.cs) and read back whole through the API and `bosun flow-run inspect`.
/// </summary>
public sealed class ResultProcessTests
{
    /// <summary>As tests/Bosun.Sdk.TestFlows/ResultFlows.cs writes it.</summary>
    public sealed record LargeReport(string Name, IReadOnlyList<CacheKeyAndSerializerTests.Contributor> Contributors);

    private const int InlineLimitBytes = 64 * 1024;

    [Fact]
    public async Task LargeRecordResult_FromAFlowProcess_StoredByReferenceAndReadBackWholeThroughApiAndCli()
    {
        var folder = TempDirectory.Create("bosun-results");
        await using var server = await TestServer.StartAsync(configure: options => options.ResultDirectory = folder);
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "large-result", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var run = await client.CreateFlowRunAsync((await client.GetDeploymentByNameAsync("large-result/served")).Id, new FlowRunCreate(new JsonObject { ["count"] = 3000 }));

        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(run.Id)).State.Type);

        // The API: both results kept by reference, each a file of the result folder, and read back whole.
        var expected = Enumerable.Range(0, 3000).Select(i => new CacheKeyAndSerializerTests.Contributor($"contributor-{i:D5}", i)).ToList();
        var flowResult = await client.GetFlowRunResultAsync(run.Id);
        var taskRun = Assert.Single(await client.ListTaskRunsAsync(run.Id));
        var taskResult = await client.GetTaskRunResultAsync(taskRun.Id);
        Assert.True(flowResult.SizeBytes > InlineLimitBytes, $"{flowResult.SizeBytes} bytes");
        Assert.True(taskResult.SizeBytes > InlineLimitBytes, $"{taskResult.SizeBytes} bytes");
        Assert.Equal((true, true), (flowResult.StoredByReference, taskResult.StoredByReference));
        Assert.Equal(new[] { $"flow-{run.Id}.json", $"task-{taskRun.Id}.json" }, Directory.GetFiles(folder, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(flowResult.SizeBytes, new FileInfo(Path.Combine(folder, $"flow-{run.Id}.json")).Length);
        var report = flowResult.Value.Deserialize<LargeReport>(ParameterSchema.JsonOptions)!;
        Assert.Equal("bosun/bosun", report.Name);
        Assert.Equal(expected, report.Contributors);
        Assert.Equal(expected, taskResult.Value.Deserialize<List<CacheKeyAndSerializerTests.Contributor>>(ParameterSchema.JsonOptions));

        // The CLI: the details grid says where it is kept; --result prints it whole, the same JSON as the API's.
        await using var inspect = ChildProcess.StartCli(["flow-run", "inspect", run.Id.ToString()], SdkScenario.Env(server));
        Assert.Equal(0, await inspect.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"stored by reference, {flowResult.SizeBytes:N0} bytes", inspect.OutputText, StringComparison.Ordinal);
        await using var whole = ChildProcess.StartCli(["flow-run", "inspect", run.Id.ToString(), "--result"], SdkScenario.Env(server));
        Assert.Equal(0, await whole.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var printed = JsonNode.Parse(whole.OutputText);
        Assert.True(JsonNode.DeepEquals(flowResult.Value, printed), "bosun flow-run inspect --result printed the result whole");
        Assert.Equal("contributor-02999", printed!["contributors"]!.AsArray()[2999]!["login"]!.GetValue<string>());
    }

    [Fact]
    public async Task FlowRunInspectResult_RunWithoutResult_OneLineErrorAndNonZeroExit()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));

        await using var inspect = ChildProcess.StartCli(["flow-run", "inspect", run.Id.ToString(), "--result"], SdkScenario.Env(server));

        Assert.NotEqual(0, await inspect.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("recorded no result", Assert.Single(inspect.Output), StringComparison.Ordinal);
    }
}
