using System.Text.Json.Nodes;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>Calling a flow method directly runs it without any server.</summary>
public sealed class DirectCallTests
{
    [Flow("direct")]
    private static string Direct(string who) => $"{FlowContext.Current.FlowName}:{FlowContext.Current.FlowRunId?.ToString() ?? "no-run"}:{who}";

    [Fact]
    public void DirectCall_NoServer_RunsWithLocalContext()
    {
        Assert.Equal("local:no-run:me", Direct("me"));
    }

    [Fact]
    public async Task RepoInfoFlow_DirectCall_PrintsStatisticsFromTheApi()
    {
        using var api = new StubHttpServer(new() { ["/repos/dotnet/runtime"] = """{"stargazers_count": 15000, "forks_count": 4700}""" });
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            await RepoInfo.RepoInfoFlows.GetRepoInfo("dotnet/runtime", api.BaseUrl);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Contains("Stars 🌠 : 15000", captured.ToString(), StringComparison.Ordinal);
        Assert.Contains("Forks 🍴 : 4700", captured.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_JsonParameters_BoundToMethodParameters()
    {
        var flow = Flows.Get(Direct);

        var result = await flow.InvokeAsync(new JsonObject { ["who"] = "json" }, FlowContext.Current);

        Assert.Equal("local:no-run:json", result);
    }
}
