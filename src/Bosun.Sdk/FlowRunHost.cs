using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>
/// Executes one flow run in this process (spec §7): propose RUNNING (waiting while told WAIT, stopping when told
/// ABORT), heartbeat, run the flow with the run's parameters, report COMPLETED or FAILED, and retry in this same
/// process while the rules answer AwaitingRetry.
/// </summary>
internal sealed class FlowRunHost(BosunClient client, LogShipper logs, TimeProvider timeProvider)
{
    /// <summary>How often the run's heartbeat is sent (the server's zombie rule waits 90 s by default).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("BOSUN_RUN_HEARTBEAT_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 15);

    /// <summary>How often the run's state is read to notice a cancellation.</summary>
    public TimeSpan CancellationPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether this host proposes CANCELLED itself when the flow stops after a cancellation. A worker or serving
    /// process that owns the run's process does it once the process is gone, so a flow-run process leaves it to them.
    /// </summary>
    public bool ReportsCancellation { get; init; }

    /// <summary>Runs <paramref name="run"/>; returns when it has reached a final state, been aborted or been cancelled.</summary>
    public async Task<FlowRunOutcome> RunAsync(FlowRun run, FlowDefinition flow, CancellationToken stopping)
    {
        var logger = new RunLogger(logs, run.Id);
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var watchers = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(run.Id, watchers.Token);
        var watcher = CancellationWatchAsync(run.Id, cancelled, watchers.Token);
        try
        {
            while (true)
            {
                if (!await ProposeRunningAsync(run.Id, logger, cancelled.Token).ConfigureAwait(false))
                {
                    return FlowRunOutcome.NotRun;
                }

                var context = new FlowContext(flow.Name, run.Id, run.Name, run.Parameters, logger, cancelled.Token);
                Exception? failure = null;
                try
                {
                    using var scope = FlowContext.Enter(context);
                    using var capture = flow.Attribute.LogPrints ? ConsoleCapture.Begin(line => logger.Write(RunLogLevel.Info, line)) : null;
                    await flow.InvokeAsync(run.Parameters, context).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
                {
                    logger.Write(RunLogLevel.Warning, "The flow stopped: the run was cancelled or its process was asked to stop.");
                    if (ReportsCancellation && (await client.GetFlowRunAsync(run.Id, CancellationToken.None).ConfigureAwait(false)).State.Type == StateType.Cancelling)
                    {
                        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Cancelled, Message: "cancelled: the flow stopped"), CancellationToken.None).ConfigureAwait(false);
                    }

                    return FlowRunOutcome.Cancelled;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                if (failure is null)
                {
                    var completed = await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed), CancellationToken.None).ConfigureAwait(false);
                    return completed.State.Type == StateType.Completed ? FlowRunOutcome.Completed : FlowRunOutcome.NotRun;
                }

                logger.Write(RunLogLevel.Error, $"Flow run failed: {failure.GetType().FullName}: {failure.Message}{Environment.NewLine}{failure.StackTrace}");
                var failed = await client.SetFlowRunStateAsync(run.Id,
                    new StateProposal(StateType.Failed, Message: $"{failure.GetType().Name}: {failure.Message}"), CancellationToken.None).ConfigureAwait(false);
                if (failed.State is { Type: StateType.Scheduled, Name: StateNames.AwaitingRetry } retry)
                {
                    var wait = (retry.ScheduledTime ?? timeProvider.GetUtcNow()) - timeProvider.GetUtcNow();
                    logger.Write(RunLogLevel.Info, $"Retrying in {Math.Max(0, wait.TotalSeconds):0.#} s ({failed.Reason}).");
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, timeProvider, cancelled.Token).ConfigureAwait(false);
                    }

                    continue;
                }

                return FlowRunOutcome.Failed;
            }
        }
        finally
        {
            await watchers.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(heartbeat, watcher).ConfigureAwait(false);
            await logs.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<bool> ProposeRunningAsync(Guid runId, RunLogger logger, CancellationToken cancellationToken)
    {
        var transition = Guid.NewGuid();
        while (true)
        {
            var result = await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Running, TransitionId: transition), cancellationToken).ConfigureAwait(false);
            switch (result.Status)
            {
                case SetStateStatus.Accept:
                    return true;
                case SetStateStatus.Wait:
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.05, result.RetryAfterSeconds ?? 1)), timeProvider, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    logger.Write(RunLogLevel.Warning, $"Not running the flow: the server answered {result.Status} ({result.Reason}).");
                    return false;
            }
        }
    }

    private async Task HeartbeatLoopAsync(Guid runId, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await client.SendFlowRunHeartbeatAsync(runId, stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
            {
                // A missed heartbeat is retried on the next beat; several in a row make the server call the run a zombie.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(HeartbeatInterval, timeProvider, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task CancellationWatchAsync(Guid runId, CancellationTokenSource cancelled, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !cancelled.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CancellationPollInterval, timeProvider, stop).ConfigureAwait(false);
                var state = (await client.GetFlowRunAsync(runId, stop).ConfigureAwait(false)).State.Type;
                if (state is StateType.Cancelling or StateType.Cancelled)
                {
                    await cancelled.CancelAsync().ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
            {
                // Looked at again on the next pass.
            }
        }
    }
}
