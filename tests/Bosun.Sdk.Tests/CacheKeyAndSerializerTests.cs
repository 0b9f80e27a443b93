using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>A task's own cache key function and a chosen result serializer, in flow-run processes (serve starts one per run), and the serializers alone.</summary>
public sealed class CacheKeyAndSerializerTests
{
    public sealed record Sample(string Name, int[] Numbers, Sample? Inner);

    /// <summary>As tests/Bosun.Sdk.TestFlows/SuspendFlows.cs writes it.</summary>
    public sealed record Contributor(string Login, int Commits);

    public static TheoryData<string> Serializers => [JsonResultSerializer.SerializerName, CompressedJsonResultSerializer.SerializerName];

    [Theory]
    [MemberData(nameof(Serializers))]
    public void Serializer_RoundTrip_SimpleTypesRecordsCollectionsAndNull(string name)
    {
        IResultSerializer serializer = name == JsonResultSerializer.SerializerName ? new JsonResultSerializer() : new CompressedJsonResultSerializer();
        T? RoundTrip<T>(T? value) => (T?)serializer.Deserialize(JsonNode.Parse(serializer.Serialize(value, typeof(T))?.ToJsonString() ?? "null"), typeof(T));

        Assert.Equal(name, serializer.Name);
        Assert.Equal(42, RoundTrip(42));
        Assert.Equal("bosun", RoundTrip("bosun"));
        Assert.Null(RoundTrip<string>(null));
        Assert.Equal([1, 2, 3], RoundTrip(new List<int> { 1, 2, 3 }));
        var record = RoundTrip(new Sample("outer", [1, 2], new Sample("inner", [], null)))!;
        Assert.Equal(("outer", "1,2", "inner"), (record.Name, string.Join(',', record.Numbers), record.Inner!.Name));
        Assert.Equal(new Dictionary<string, double> { ["a"] = 1.5 }, RoundTrip(new Dictionary<string, double> { ["a"] = 1.5 }));
    }

    [Fact]
    public void CompressedSerializer_RepetitiveValue_StoredAsAShorterBase64String()
    {
        var value = Enumerable.Range(0, 500).Select(i => new Contributor($"contributor-{i}", i)).ToList();

        var stored = new CompressedJsonResultSerializer().Serialize(value, value.GetType())!;
        var plain = new JsonResultSerializer().Serialize(value, value.GetType())!;

        Assert.Equal(System.Text.Json.JsonValueKind.String, stored.GetValueKind());
        Assert.True(stored.ToJsonString().Length * 3 < plain.ToJsonString().Length, $"{stored.ToJsonString().Length} vs {plain.ToJsonString().Length}");
    }

    [Fact]
    public async Task CacheKeyFunction_TwoInputsWithTheSameKey_SecondProcessGetsTheCachedResult()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "keyed-cache", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await client.GetDeploymentByNameAsync("keyed-cache/served");

        async Task<(FlowRun Run, TaskRun Task)> RunAsync(string name)
        {
            var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(new JsonObject { ["name"] = name }));
            Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(run.Id)).State.Type);
            return (run, Assert.Single(await client.ListTaskRunsAsync(run.Id)));
        }

        var (first, firstTask) = await RunAsync("Ada");
        var (second, secondTask) = await RunAsync("ADA");
        var (third, thirdTask) = await RunAsync("Grace");

        Assert.Equal((TaskRunStateType.Completed, TaskRunStateType.Cached, TaskRunStateType.Completed), (firstTask.State, secondTask.State, thirdTask.State));
        Assert.Equal(firstTask.CacheKey, secondTask.CacheKey);
        Assert.NotEqual(firstTask.CacheKey, thirdTask.CacheKey);
        Assert.Equal("hello Ada", (await client.GetFlowRunResultAsync(second.Id)).Value!.GetValue<string>());
        Assert.DoesNotContain(await client.LogsAsync(second.Id), l => l.Message.StartsWith("task body:", StringComparison.Ordinal));
        Assert.Contains(await client.LogsAsync(first.Id), l => l.Message == "task body: greeting Ada");
        Assert.Contains(await client.LogsAsync(third.Id), l => l.Message == "task body: greeting Grace");
    }

    [Fact]
    public async Task ResultSerializer_FlowAndTaskChooseTheirs_StoredResultsNameTheirSerializerAndCacheReadsThemBack()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await using var serving = ChildProcess.Start("dotnet", [RepoPaths.TestFlowsDll, "serve", "--flow", "compressed-results", "--name", "served"], SdkScenario.Env(server));
        await serving.WaitForLineAsync("is being served");
        var deployment = await client.GetDeploymentByNameAsync("compressed-results/served");
        var first = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(first.Id)).State.Type);
        var second = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(second.Id)).State.Type);

        var flowResult = await client.GetFlowRunResultAsync(first.Id);
        Assert.Equal(CompressedJsonResultSerializer.SerializerName, flowResult.Serializer);
        var contributors = (List<Contributor>)new CompressedJsonResultSerializer().Deserialize(flowResult.Value, typeof(List<Contributor>))!;
        Assert.Equal(50, contributors.Count);
        Assert.Equal(new Contributor("contributor-50", 500), contributors[^1]);

        var tasks = (await client.ListTaskRunsAsync(first.Id)).ToDictionary(t => t.TaskName);
        var fetched = await client.GetTaskRunResultAsync(tasks["fetch-contributors"].Id);
        Assert.Equal(CompressedJsonResultSerializer.SerializerName, fetched.Serializer);
        Assert.Equal(System.Text.Json.JsonValueKind.String, fetched.Value!.GetValueKind());
        var top = await client.GetTaskRunResultAsync(tasks["top-contributor"].Id);
        Assert.Equal(JsonResultSerializer.SerializerName, top.Serializer);
        Assert.Equal("contributor-50", top.Value!["login"]!.GetValue<string>());

        // The second run read the cached list back through the gzip serializer, in another process.
        var secondTasks = (await client.ListTaskRunsAsync(second.Id)).ToDictionary(t => t.TaskName);
        Assert.Equal(TaskRunStateType.Cached, secondTasks["fetch-contributors"].State);
        Assert.DoesNotContain(await client.LogsAsync(second.Id), l => l.Message.StartsWith("task body:", StringComparison.Ordinal));
        await client.LogsContainingAsync(second.Id, "top contributor: contributor-50");
        var secondResult = await client.GetFlowRunResultAsync(second.Id);
        Assert.Equal(CompressedJsonResultSerializer.SerializerName, secondResult.Serializer);
        Assert.Equal(contributors, (List<Contributor>)new CompressedJsonResultSerializer().Deserialize(secondResult.Value, typeof(List<Contributor>))!);
    }
}
