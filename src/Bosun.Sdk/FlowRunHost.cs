using System.Diagnostics;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Sdk;

/// <summary>
/// Executes one flow run in this process: propose RUNNING (waiting while told WAIT, stopping when told ABORT),
/// heartbeat, run the flow with the run's parameters, ship its last log lines, then report COMPLETED or FAILED (or
/// CANCELLED when the run was cancelled), and retry in this same process while the rules answer AwaitingRetry. The client
/// rides out server outages (its retry window); each final report carries a transition id, so a report retried after a
/// lost answer is recognised.
/// </summary>
internal sealed class FlowRunHost(BosunClient client, LogShipper logs, TimeProvider timeProvider)
{
    /// <summary>How often the run's heartbeat is sent (the server's zombie rule waits 90 s by default).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("BOSUN_RUN_HEARTBEAT_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : 15);

    /// <summary>
    /// Whether the run's first heartbeat goes at its start (a flow-run process of its own: until its first beat the server
    /// judges the run by its worker) or after one interval (a run inside the process that claimed it, serve's in-process
    /// runs: that process's own sign of life covers the run, and a run of a few seconds then costs no heartbeat). Either
    /// way a run beats before it reports a failure, so that a run awaiting its retry in this process is watched, and a
    /// subflow beats at its start.
    /// </summary>
    public bool HeartbeatAtStart { get; init; } = true;

    /// <summary>The run came RUNNING from its claim (serve's in-process runs): its first attempt does not propose RUNNING again.</summary>
    public bool StartedByClaim { get; init; }

    /// <summary>Final states go with this process's other runs' (serve's in-process runs); null: one request each.</summary>
    public StateBatcher? States { get; init; }

    /// <summary>Where the SDK's own messages go (task runs not recorded yet).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>The span the flow run's span goes below (the worker's, from <c>TRACEPARENT</c>); default: the current span, if any.</summary>
    public ActivityContext TraceParent { get; init; }

    /// <summary>How often the run's state is read to notice a cancellation.</summary>
    public TimeSpan CancellationPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="run"/>; returns when it has reached a final state, been aborted or been cancelled.</summary>
    public async Task<FlowRunOutcome> RunAsync(FlowRun run, FlowDefinition flow, CancellationToken stopping) =>
        (await ExecuteAsync(run, flow, context => flow.InvokeAsync(run.Parameters, context), stopping, topLevel: true).ConfigureAwait(false)).Outcome;

    /// <summary>
    /// Runs <paramref name="run"/> by <paramref name="invoke"/> (the flow with the run's parameters, or a subflow with
    /// its call's values); the outcome comes with the flow's value when it completed and its exception when it failed.
    /// </summary>
    public async Task<(FlowRunOutcome Outcome, object? Value, Exception? Failure)> ExecuteAsync(
        FlowRun run, FlowDefinition flow, Func<FlowContext, Task<object?>> invoke, CancellationToken stopping, bool topLevel = false)
    {
        using var activity = SdkTracing.Source.StartActivity("bosun.flow_run", ActivityKind.Internal, TraceParent);
        activity?.SetTag("bosun.flow_run.id", run.Id.ToString());
        activity?.SetTag("bosun.flow.name", flow.Name);
        var logger = new RunLogger(logs, run.Id);
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var watchers = new CancellationTokenSource();
        var beat = new Beat();
        // A subflow beats at once wherever it runs: it has no claimant whose sign of life would cover it.
        var heartbeat = HeartbeatLoopAsync(run.Id, beat, atStart: HeartbeatAtStart || !topLevel, watchers.Token);
        var watcher = CancellationWatchAsync(run.Id, cancelled, watchers.Token);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                if (!(attempt == 1 && StartedByClaim && topLevel) && !await ProposeRunningAsync(run.Id, logger, cancelled.Token).ConfigureAwait(false))
                {
                    return (FlowRunOutcome.NotRun, null, null);
                }

                var recorder = new TaskRunRecorder(client, TimeProvider.System, Logger);
                // Resumed from a suspension: the task runs it completed before answer the same calls now.
                var replay = await TaskReplay.LoadAsync(client, run, cancelled.Token).ConfigureAwait(false);
                if (replay is not null)
                {
                    logger.Write(RunLogLevel.Info, $"Resumed from its suspension: the flow runs again from the start; {replay.Count} completed task run(s) answer their calls from their results, and so do the subflow runs it completed.");
                }

                var context = new FlowContext(flow.Name, run.Id, run.Name, run.Parameters, logger, cancelled.Token)
                {
                    TaskRunner = new TaskRunner(run.Id, client, recorder, logger, timeProvider)
                    {
                        TaskConcurrency = flow.Attribute.TaskConcurrency,
                        DefaultSerializer = flow.ResultSerializer,
                        Replay = replay,
                    },
                    ChildRuns = new ChildRuns(run.Id, this, client, timeProvider)
                    {
                        Replay = replay is null ? null : new SubflowReplay(client, run.Id),
                        Logger = logger,
                    },
                    Pauses = new PauseGate(run.Id, client, timeProvider),
                    Suspensions = new SuspendGate(run.Id, client, run.SuspendInputs, topLevel, recorder.FlushAsync, logger),
                };
                Exception? failure = null;
                object? value = null;
                var suspended = false;
                try
                {
                    recorder.Start();
                    using var scope = FlowContext.Enter(context);
                    using var capture = flow.Attribute.LogPrints ? ConsoleCapture.Begin(line => logger.Write(RunLogLevel.Info, line)) : null;
                    value = await invoke(context).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
                {
                    var state = (await client.GetFlowRunAsync(run.Id, CancellationToken.None).ConfigureAwait(false)).State;
                    logger.Write(RunLogLevel.Warning, state.Name == StateNames.TimingOut
                        ? $"The flow stopped: {state.Message}."
                        : "The flow stopped: the run was cancelled or its process was asked to stop.");
                    // A cancelled run is ended by whoever sees it stop first: here, as soon as the flow returns.
                    if (state.Type == StateType.Cancelling)
                    {
                        await ReportFinalAsync(run.Id, new StateProposal(StateType.Cancelled, Message: "cancelled: the flow stopped")).ConfigureAwait(false);
                    }

                    return (FlowRunOutcome.Cancelled, null, null);
                }
                catch (FlowRunSuspendedException)
                {
                    // The run is PAUSED "Suspended"; its task runs are sent in the finally below, its last lines here.
                    suspended = true;
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                finally
                {
                    // Task runs are recorded before the flow's final state, so whoever sees it sees them all.
                    await recorder.DisposeAsync().ConfigureAwait(false);
                }

                if (suspended)
                {
                    await logs.FlushRunAsync(run.Id, CancellationToken.None).ConfigureAwait(false);
                    return (FlowRunOutcome.Suspended, null, null);
                }

                if (failure is null)
                {
                    await ReportResultAsync(run.Id, flow, value, logger).ConfigureAwait(false);
                    var completed = await ReportFinalAsync(run.Id, new StateProposal(StateType.Completed)).ConfigureAwait(false);
                    return completed.State.Type == StateType.Completed ? (FlowRunOutcome.Completed, value, null) : (FlowRunOutcome.NotRun, null, null);
                }

                logger.Write(RunLogLevel.Error, $"Flow run failed: {failure.GetType().FullName}: {failure.Message}{Environment.NewLine}{failure.StackTrace}");
                if (!beat.Sent)
                {
                    // A run awaiting its retry in this process is judged by its heartbeat alone: it must have one.
                    await SendHeartbeatAsync(run.Id, beat, CancellationToken.None).ConfigureAwait(false);
                }

                var failed = await ReportFinalAsync(run.Id, new StateProposal(StateType.Failed, Message: $"{failure.GetType().Name}: {failure.Message}")).ConfigureAwait(false);
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

                return (FlowRunOutcome.Failed, null, failure);
            }
        }
        finally
        {
            await watchers.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(heartbeat, watcher).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The run's last lines first, so that whoever stops reading at the final state has them all; then the state, with a
    /// transition id kept across the client's retries. A retried proposal whose first attempt was written (its answer
    /// lost with the connection) is answered ABORT with the state it wrote: that is this proposal, accepted once.
    /// </summary>
    private async Task<SetStateResult> ReportFinalAsync(Guid runId, StateProposal proposal)
    {
        // Not taken within the client's retry window: the state is proposed anyway (the lines stay queued), and fails the same way.
        await logs.FlushRunAsync(runId, CancellationToken.None).ConfigureAwait(false);

        proposal = proposal with { TransitionId = Guid.NewGuid() };
        var result = States is { } states
            ? await states.ProposeAsync(runId, proposal).ConfigureAwait(false)
            : await client.SetFlowRunStateAsync(runId, proposal, CancellationToken.None).ConfigureAwait(false);
        return result is { Status: SetStateStatus.Abort } && result.State.Type == proposal.Type
            ? result with { Status = SetStateStatus.Accept }
            : result;
    }

    /// <summary>The flow's return value as JSON, recorded before COMPLETED; a value JSON cannot write is said in the run's logs and not kept.</summary>
    private async Task ReportResultAsync(Guid runId, FlowDefinition flow, object? value, RunLogger logger)
    {
        if (FlowDefinition.ResultTypeOf(flow.Method.ReturnType) is not { } type)
        {
            return;
        }

        System.Text.Json.Nodes.JsonNode? json;
        var serializer = flow.ResultSerializer;
        try
        {
            json = serializer.Serialize(value, type);
        }
        catch (Exception ex) when (ex is NotSupportedException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            logger.Write(RunLogLevel.Warning, $"The flow's result of type {type.Name} cannot be written by the serializer '{serializer.Name}' and is not kept: {ex.Message}");
            return;
        }

        try
        {
            await client.SetFlowRunResultAsync(runId, new ResultWrite(json) { Serializer = serializer.Name }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BosunApiException ex)
        {
            // Refused (larger than the server takes, say): the run still completed; its logs say why there is no result.
            logger.Write(RunLogLevel.Warning, $"The flow's result was not kept: {ex.Message}");
        }
    }

    /// <summary>How far ahead of a run's due time its RUNNING proposal is sent (the server holds it until then).</summary>
    private static readonly TimeSpan ProposeAhead = TimeSpan.FromMilliseconds(100);

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
                    // The server's wait is what is left until the due time. The next proposal goes a little ahead of it:
                    // the server holds a proposal that early and answers at the due time (an older server says WAIT for
                    // the remainder, a millisecond at least, and this loop asks again).
                    var wait = result.RetryAfterSeconds ?? 1;
                    await Task.Delay(TimeSpan.FromSeconds(wait > ProposeAhead.TotalSeconds ? wait - ProposeAhead.TotalSeconds : Math.Max(0.001, wait)),
                        timeProvider, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    logger.Write(RunLogLevel.Warning, $"Not running the flow: the server answered {result.Status} ({result.Reason}).");
                    return false;
            }
        }
    }

    private async Task HeartbeatLoopAsync(Guid runId, Beat beat, bool atStart, CancellationToken stop)
    {
        for (var first = true; !stop.IsCancellationRequested; first = false)
        {
            try
            {
                if (!first || !atStart)
                {
                    await Task.Delay(HeartbeatInterval, timeProvider, stop).ConfigureAwait(false);
                }

                await SendHeartbeatAsync(runId, beat, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendHeartbeatAsync(Guid runId, Beat beat, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendFlowRunHeartbeatAsync(runId, cancellationToken).ConfigureAwait(false);
            beat.Sent = true;
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
        {
            // A missed heartbeat is retried on the next beat; several in a row make the server call the run a zombie.
        }
    }

    /// <summary>Whether a run's heartbeat has reached the server once.</summary>
    private sealed class Beat
    {
        private volatile bool _sent;

        public bool Sent
        {
            get => _sent;
            set => _sent = value;
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
