using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>Starting the test executables and waiting on runs.</summary>
internal static class SdkScenario
{
    public static string RepoInfoDll => RepoPaths.BuiltDll("examples/RepoInfo", "RepoInfo");

    public static Dictionary<string, string?> Env(TestServer server) => new()
    {
        ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
        ["BOSUN_FLOW_RUN_ID"] = null,
    };

    /// <summary>Runs `dotnet TestFlows.dll args` to completion and returns its output.</summary>
    public static async Task<string> RunToEndAsync(TestServer server, string dll, params string[] arguments)
    {
        await using var process = ChildProcess.Start("dotnet", [dll, .. arguments], Env(server));
        var code = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"dotnet {Path.GetFileName(dll)} {string.Join(' ', arguments)} exited {code}:\n{process.OutputText}");
        return process.OutputText;
    }

    public static Task<FlowRun> WaitForStateAsync(this BosunClient client, Guid runId, Func<FlowRunState, bool> accept, string what) =>
        Eventually.ValueAsync(() => client.GetFlowRunAsync(runId), run => accept(run.State), what, TimeSpan.FromSeconds(60));

    public static Task<FlowRun> WaitForTerminalAsync(this BosunClient client, Guid runId) =>
        client.WaitForStateAsync(runId, s => s.Type.IsTerminal(), $"run {runId} finished");

    public static async Task<IReadOnlyList<LogEntry>> LogsAsync(this BosunClient client, Guid runId) =>
        (await client.ReadLogsAsync(runId, limit: 500)).Items;

    public static Task<IReadOnlyList<LogEntry>> LogsContainingAsync(this BosunClient client, Guid runId, string fragment) =>
        Eventually.ValueAsync(() => client.LogsAsync(runId), logs => logs.Any(l => l.Message.Contains(fragment, StringComparison.Ordinal)),
            $"the logs of run {runId} contain '{fragment}'");
}
