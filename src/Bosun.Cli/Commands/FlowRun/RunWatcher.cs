using Bosun.Cli.Output;
using Bosun.Client;
using Bosun.Contracts.States;
using Spectre.Console;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>
/// Follows a run until it is over: every state it passes through (from its history, so quick changes between polls are not
/// lost), why it waits, and optionally its logs. Used by `flow-run watch` and `deployment run --watch`.
/// </summary>
internal static class RunWatcher
{
    /// <summary>The run once it is over, or null when the watch was stopped (Ctrl+C): the run goes on.</summary>
    public static async Task<Contracts.FlowRuns.FlowRun?> WatchAsync(CliContext context, BosunClient client, Guid runId, bool showLogs,
        CancellationToken cancellationToken)
    {
        try
        {
            return await FollowAsync(context, client, runId, showLogs, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<Contracts.FlowRuns.FlowRun> FollowAsync(CliContext context, BosunClient client, Guid runId, bool showLogs,
        CancellationToken cancellationToken)
    {
        var run = await client.GetFlowRunAsync(runId, cancellationToken);
        context.Console.MarkupLineInterpolated($"Watching flow run [aqua]{run.Name}[/] ({run.Id}). Ctrl+C stops watching; the run goes on.");
        var printedStates = new HashSet<Guid>();
        string? printedReason = null;
        long lastLogId = 0;
        return await LiveStatus.RunAsync(context, Describe(run), async setStatus =>
        {
            while (true)
            {
                run = await client.GetFlowRunAsync(runId, cancellationToken);
                if (!printedStates.Contains(run.State.Id))
                {
                    foreach (var state in await client.GetFlowRunStatesAsync(runId, cancellationToken))
                    {
                        if (printedStates.Add(state.Id))
                        {
                            RunOutput.WriteState(context, state);
                        }
                    }
                }

                if (run.WaitingReason != printedReason && !run.State.Type.IsTerminal())
                {
                    printedReason = run.WaitingReason;
                    if (printedReason is not null)
                    {
                        context.Console.MarkupLineInterpolated($"[grey]Waiting: {printedReason}[/]");
                    }
                }

                if (showLogs)
                {
                    lastLogId = await WriteNewLogsAsync(context, client, runId, lastLogId, cancellationToken);
                }

                if (run.State.Type.IsTerminal())
                {
                    return run;
                }

                setStatus(Describe(run));
                await Task.Delay(context.WatchPollInterval, context.Time, cancellationToken);
            }
        });
    }

    /// <summary>Exit code 0 for COMPLETED; any other end is an error line naming the state and its message; a stopped watch is 130.</summary>
    public static int Conclude(CliContext context, Guid runId, Contracts.FlowRuns.FlowRun? run)
    {
        if (run is null)
        {
            context.Console.WriteLine();
            context.Console.MarkupLineInterpolated($"Stopped watching; the flow run goes on. Follow it again with: [bold]bosun flow-run watch {runId}[/]");
            return 130;
        }

        if (run.State.Type == StateType.Completed)
        {
            context.Console.MarkupLineInterpolated($"[green]Flow run '{run.Name}' completed.[/]");
            return 0;
        }

        var message = string.IsNullOrWhiteSpace(run.State.Message) ? "" : $": {run.State.Message}";
        throw new CliException($"Flow run '{run.Name}' ended {run.State.Name}{message}. Read its logs with `bosun flow-run logs {run.Id}`.");
    }

    private static async Task<long> WriteNewLogsAsync(CliContext context, BosunClient client, Guid runId, long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await client.ReadLogsAsync(runId, after, 500, cancellationToken);
            foreach (var entry in page.Items)
            {
                RunOutput.WriteLog(context, entry);
                after = entry.Id;
            }

            if (page.Items.Count < 500)
            {
                return after;
            }
        }
    }

    private static string Describe(Contracts.FlowRuns.FlowRun run) =>
        $"{run.Name} is {run.State.Name}{(run.WaitingReason is { } reason ? $" ({reason})" : "")}";
}
