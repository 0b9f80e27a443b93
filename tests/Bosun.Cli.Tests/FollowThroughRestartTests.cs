using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>
/// `flow-run logs --follow` and `flow-run watch --logs` while the server restarts: they follow on once it is back, print
/// every line once, say on stderr that the server was away and back, and end as the run ends.
/// </summary>
public sealed class FollowThroughRestartTests
{
    [Fact]
    public async Task LogsFollow_ServerRestartsWhileFollowing_EveryLineOnceThenExitsWithTheRun()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server);
        await WriteLogsAsync(server, run, "before restart");
        using var cli = new CliRunner(server.ApiUrl);

        var following = cli.Start("flow-run", "logs", run.ToString(), "--follow");
        await following.PrintedAsync("before restart");
        await server.StopAsync();
        await following.PrintedOnErrorAsync("is not answering");
        await server.RestartAsync();
        await WriteLogsAsync(server, run, "after restart");
        await following.PrintedAsync("after restart");
        await server.Client.SetFlowRunStateAsync(run, new StateProposal(StateType.Completed));
        var result = await following.Completion;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["before restart", "after restart"], Messages(result.Out));
        Assert.Contains("is not answering", result.Err, StringComparison.Ordinal);
        Assert.Contains("answers again", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchLogs_ServerAwayWhileWatching_EveryLineOnceAndTheFinalState()
    {
        await using var server = await TestServer.StartAsync();
        var run = await RunningRunAsync(server);
        await WriteLogsAsync(server, run, "before restart");
        using var cli = new CliRunner(server.ApiUrl);

        var watching = cli.Start("flow-run", "watch", run.ToString(), "--logs");
        await watching.PrintedAsync("before restart");
        await server.StopAsync();
        await watching.PrintedOnErrorAsync("is not answering");
        await server.RestartAsync();
        await WriteLogsAsync(server, run, "after restart");
        await server.Client.SetFlowRunStateAsync(run, new StateProposal(StateType.Completed));
        var result = await watching.Completion;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("completed", result.Out, StringComparison.Ordinal);
        Assert.Equal(1, Count(result.Out, "before restart"));
        Assert.Equal(1, Count(result.Out, "after restart"));
        Assert.Contains("answers again", result.Err, StringComparison.Ordinal);
    }

    private static async Task<Guid> RunningRunAsync(TestServer server)
    {
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        Assert.Single((await server.Client.ClaimAsync("p")).Runs);
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        return run.Id;
    }

    private static Task WriteLogsAsync(TestServer server, Guid runId, string message) =>
        server.Client.WriteLogsAsync([new LogCreate(runId, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, message)]);

    private static int Count(string text, string part) => text.Split(part).Length - 1;

    private static List<string> Messages(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split("INFO", 2)[1].Trim()).ToList();
}
