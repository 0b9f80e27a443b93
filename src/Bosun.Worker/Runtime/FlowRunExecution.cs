using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Worker.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Bosun.Worker.Runtime;

/// <summary>
/// One claimed run, start to end: render the job → Submitting → create the infrastructure → record its id → stream its
/// output → wait → report how it ended (a run the claim started, RUNNING on this process, skips Submitting and the id),
/// or stop it when the run is cancelled or the worker shuts down. Every report is retried until the server takes it: a run this worker holds is never left PENDING or RUNNING because the server was
/// away (docs/runtime.md).
/// </summary>
internal sealed class FlowRunExecution(
    ClaimedFlowRun claim,
    ClaimSource source,
    FlowRunInfrastructure infrastructure,
    BosunClient client,
    LogShipper logs,
    WorkerOptions options,
    TimeProvider timeProvider,
    ILogger logger,
    StartedInfrastructure? adopted = null)
{
    private readonly TaskCompletionSource<string> _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _leave = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _waitingReasonsGate = new();
    private Task _waitingReasons = Task.CompletedTask;
    private CancellationToken _cancellation;
    private Guid? _submittingStateId;

    public Guid RunId => claim.FlowRun.Id;

    /// <summary>Where the infrastructure's start time is recorded.</summary>
    public WorkerMetrics? Metrics { get; init; }

    private string RunName => claim.FlowRun.Name;

    /// <summary>The claim answered the run RUNNING on this process's in-process infrastructure (<see cref="FlowRunInfrastructure.InProcessId"/>).</summary>
    private bool StartedByClaim => adopted is null && claim.FlowRun.State.Type == StateType.Running && infrastructure.InProcessId is not null;

    /// <summary>True once the infrastructure was created.</summary>
    public bool Started { get; private set; }

    /// <summary>Asks the execution to stop its infrastructure: for a cancellation (CANCELLED after) or a shutdown (CRASHED after).</summary>
    public void RequestStop(string reason) => _stopRequested.TrySetResult(reason);

    public bool StopRequested => _stopRequested.Task.IsCompleted;

    /// <summary>Whether it watches infrastructure it found rather than created (an adopted Job).</summary>
    public bool Adopted => adopted is not null;

    /// <summary>
    /// The worker stops and its infrastructure outlives it (<see cref="IAdoptableInfrastructure"/>): once started (a
    /// submission under way is finished first), the infrastructure is released for another worker and left running.
    /// </summary>
    public void Leave() => _leave.TrySetResult();

    /// <summary>
    /// A run claimed ahead of its time (PENDING, nothing created for it yet) waits here, holding no slot of the worker's
    /// limit, until <paramref name="startAt"/> (its infrastructure's start lead before its time), then for a slot
    /// (<paramref name="slot"/>). True when it is to be started now. False when it was cancelled meanwhile (CANCELLED, there
    /// was nothing to stop) or the worker stopped claiming first (<paramref name="withdraw"/>; or it shut down): then it goes
    /// back to its queue, SCHEDULED at its time, for another worker. docs/runtime.md.
    /// </summary>
    public async Task<bool> WaitForItsTimeAsync(DateTimeOffset startAt, Func<Task> slot, CancellationToken withdraw, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        WorkerLog(RunLogLevel.Info, string.Create(CultureInfo.InvariantCulture,
            $"Worker '{options.EffectiveName}' claimed this run ahead of its time; its {infrastructure.Type} infrastructure is created at {startAt.UtcDateTime:HH:mm:ss.fff} UTC, and until then the run holds none of the worker's slots."));
        var stop = _stopRequested.Task;
        // Cancelled on the way out too, so that the waits below never outlive this call (the worker's token lives as long as it does).
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(withdraw))
        {
            try
            {
                var withdrawn = Task.Delay(Timeout.InfiniteTimeSpan, waiting.Token);
                var wait = startAt - timeProvider.GetUtcNow();
                var time = Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, timeProvider, waiting.Token);
                if (await Task.WhenAny(time, stop).ConfigureAwait(false) == time && time.IsCompletedSuccessfully)
                {
                    var free = slot();
                    if (!free.IsCompleted)
                    {
                        WorkerLog(RunLogLevel.Info, $"Its time has come; waiting for a free slot of worker '{options.EffectiveName}' (limit {options.Limit}) to start it.");
                    }

                    if (await Task.WhenAny(free, stop, withdrawn).ConfigureAwait(false) == free && !stop.IsCompleted && !withdraw.IsCancellationRequested)
                    {
                        return true;
                    }
                }
            }
            finally
            {
                await waiting.CancelAsync().ConfigureAwait(false);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (stop.IsCompleted && await stop.ConfigureAwait(false) is var reason && reason != WorkerRuntime.ShutDownReason)
        {
            Log.Cancelling(logger, RunName, reason);
            WorkerLog(RunLogLevel.Warning, $"Not started: {reason} before its infrastructure was created.");
            await ReportAsync(new StateProposal(StateType.Cancelled, Message: "cancelled: no infrastructure was started for it"), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            WorkerLog(RunLogLevel.Info, $"Worker '{options.EffectiveName}' stopped before the run's time; nothing was created for it, so it goes back to its queue.");
            await ReportAsync(new StateProposal(StateType.Scheduled, Message: "handed back: its worker stopped before the run's time",
                ScheduledTime: WorkerRuntime.DueAt(claim.FlowRun)), cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.RunClaimed(logger, RunName, RunId);
        // The whole execution is one span of the run's trace; the flow process continues it (TRACEPARENT).
        using var activity = WorkerTracing.Source.StartActivity("bosun.worker.flow_run", ActivityKind.Internal, WorkerTracing.ParentOf(claim.FlowRun.Traceparent));
        activity?.SetTag("bosun.flow_run.id", RunId.ToString());
        activity?.SetTag("bosun.worker.name", options.EffectiveName);
        _cancellation = cancellationToken;
        InfrastructureHandle? handle = null;
        // The id recorded with the server before the infrastructure started (JobContext.Created), if any.
        string? recorded = null;
        try
        {
            if (adopted is not null)
            {
                // Infrastructure that outlived its worker is watched from where it is; its output resumes after the lines already logged.
                handle = await adopted.AdoptAsync(options.EffectiveName,
                    await InfrastructureReconciler.LoggedOutputLinesAsync(client, RunId, cancellationToken).ConfigureAwait(false),
                    (line, isError) => logs.Add(RunId, isError ? RunLogLevel.Error : RunLogLevel.Info, line, LogSource.Infrastructure),
                    line => WorkerLog(RunLogLevel.Info, line), ReportWaitingReason, cancellationToken).ConfigureAwait(false);
                if (handle is null)
                {
                    return;
                }

                Started = true;
                try
                {
                    // At once, not at the next heartbeat pass: the sweep judges the run by its silent claimant until it heartbeats.
                    await client.SendFlowRunHeartbeatAsync(RunId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
                {
                    Log.ReportFailed(logger, RunName, ex.Message);
                }

                var previous = adopted.WorkerName.Length > 0 ? $"watched by '{adopted.WorkerName}' before" : "left running by its worker";
                WorkerLog(RunLogLevel.Info, $"Worker '{options.EffectiveName}' adopted {infrastructure.Type} infrastructure {handle.Id} ({previous}).");
            }
            else
            {
                JsonObject configuration;
                try
                {
                    configuration = source.RenderJob(claim, line => WorkerLog(RunLogLevel.Warning, line));
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
                {
                    throw new SubmissionException($"the job template could not be rendered: {ex.Message}", ex);
                }

                if (!StartedByClaim)
                {
                    var submitting = await client.SetFlowRunStateAsync(RunId,
                        new StateProposal(StateType.Pending, StateNames.Submitting, TransitionId: Guid.NewGuid()), cancellationToken).ConfigureAwait(false);
                    if (submitting.Status != SetStateStatus.Accept)
                    {
                        WorkerLog(RunLogLevel.Warning, $"Not starting: the server answered {submitting.Status} ({submitting.Reason}).");
                        return;
                    }

                    _submittingStateId = submitting.State.Id;
                }
                else
                {
                    // The claim's RUNNING marks this submission in the run's history (see ClaimedAgainAsync).
                    _submittingStateId = claim.FlowRun.State.Id;
                }

                configuration = await SecretReferences.ResolveAsync(configuration, client, RunId, cancellationToken).ConfigureAwait(false);
                // The flow-run process gets a token scoped to its own run, never this worker's key (none for a run in this process).
                var runToken = infrastructure.TakesRunToken ? (await client.IssueRunTokenAsync(RunId, cancellationToken).ConfigureAwait(false)).Token : null;
                if (!StartedByClaim)
                {
                    // A run the claim started says so in its last line instead (ReportExitAsync): a line now would cost
                    // a request of its own before the run's final state, which must wait for the run's lines.
                    WorkerLog(RunLogLevel.Info, $"Worker '{options.EffectiveName}' is creating {infrastructure.Type} infrastructure for this run.");
                }

                var job = new JobContext(claim, configuration, StandardEnvironment(runToken), StandardLabels(),
                    (line, isError) => logs.Add(RunId, isError ? RunLogLevel.Error : RunLogLevel.Info, line, LogSource.Infrastructure),
                    line => WorkerLog(RunLogLevel.Info, line))
                {
                    WaitingReason = ReportWaitingReason,
                    Created = async (id, token) =>
                    {
                        await RecordInfrastructureAsync(id, token).ConfigureAwait(false);
                        recorded = id;
                    },
                    PullSteps = claim.Deployment.PullSteps is { Count: > 0 } pullSteps
                        ? (JsonArray)(await SecretReferences.ResolveAsync(new JsonObject { ["steps"] = pullSteps.DeepClone() }, client, RunId, cancellationToken).ConfigureAwait(false))["steps"]!
                        : null,
                };
                using (var starting = WorkerTracing.Source.StartActivity("bosun.worker.infrastructure.start"))
                {
                    starting?.SetTag("bosun.infrastructure.type", infrastructure.Type);
                    var startedAt = timeProvider.GetTimestamp();
                    handle = await infrastructure.StartAsync(job, cancellationToken).ConfigureAwait(false);
                    Metrics?.RecordInfrastructureStart(infrastructure.Type, timeProvider.GetElapsedTime(startedAt));
                    starting?.SetTag("bosun.infrastructure.id", handle.Id);
                }

                Started = true;
                Log.InfrastructureStarted(logger, RunName, handle.Id);
                if (!StartedByClaim)
                {
                    WorkerLog(RunLogLevel.Info, $"Started {infrastructure.Type} infrastructure {handle.Id}.");
                }
            }

            if (!(StartedByClaim && claim.FlowRun.InfrastructureId == handle.Id) && recorded != handle.Id)
            {
                await RecordInfrastructureAsync(handle.Id, cancellationToken).ConfigureAwait(false);
            }

            var exit = handle.WaitForExitAsync(cancellationToken);
            var first = await Task.WhenAny(exit, _stopRequested.Task, _leave.Task).ConfigureAwait(false);
            if (first == _leave.Task)
            {
                await LeaveAsync(handle, cancellationToken).ConfigureAwait(false);
                return;
            }

            if (first != exit)
            {
                var reason = await _stopRequested.Task.ConfigureAwait(false);
                Log.Cancelling(logger, RunName, reason);
                WorkerLog(RunLogLevel.Warning, $"Stopping infrastructure {handle.Id}: {reason}.");
                await handle.StopAsync(options.StopGracePeriod, cancellationToken).ConfigureAwait(false);
            }

            var status = await exit.ConfigureAwait(false);
            await ReportExitAsync(status, handle.AcceptedFinalState, cancellationToken).ConfigureAwait(false);
        }
        catch (SubmissionException ex)
        {
            Log.SubmitFailed(logger, RunName, ex.Message);
            WorkerLog(RunLogLevel.Error, $"Failed to submit flow run: {ex.Message}");
            await ReportAsync(new StateProposal(StateType.Crashed, Message: $"failed to submit: {ex.Message}"), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (BosunServerUnreachableException ex) when (!Started && !Adopted)
        {
            // The server was away for the whole retry window while this run was being submitted: nothing was started,
            // so the run goes back to its queue (the rules accept SCHEDULED from PENDING) and runs once the server is back.
            Log.SubmitFailed(logger, RunName, ex.Message);
            WorkerLog(RunLogLevel.Warning, $"Not started: the Bosun server did not answer while the run was being submitted ({ex.Message}); the run goes back to its queue.");
            await ReportAsync(new StateProposal(StateType.Scheduled, Message: "re-queued: its worker could not reach the server while submitting it"), cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex) when (!Started && !Adopted)
        {
            Log.SubmitFailed(logger, RunName, ex.Message);
            WorkerLog(RunLogLevel.Error, $"Failed to submit flow run: {ex.Message}");
            await ReportAsync(new StateProposal(StateType.Crashed, Message: $"failed to submit: {ex.Message}"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (handle is not null)
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Released for another worker, with one heartbeat of the run: the server's sweep then gives the adopter a whole
    /// heartbeat timeout to take the run over (it heartbeats the runs it adopts).
    /// </summary>
    private async Task LeaveAsync(InfrastructureHandle handle, CancellationToken cancellationToken)
    {
        await handle.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        WorkerLog(RunLogLevel.Info, $"Worker '{options.EffectiveName}' stopped; {handle.Id} goes on, and another worker of the pool adopts it.");
        try
        {
            await client.SendFlowRunHeartbeatAsync(RunId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
        {
            Log.ReportFailed(logger, RunName, ex.Message);
        }
    }

    /// <summary>Forwards what holds the infrastructure up to the server, in order, without holding up the launcher that said it.</summary>
    private void ReportWaitingReason(string reason)
    {
        lock (_waitingReasonsGate)
        {
            _waitingReasons = SendAsync(_waitingReasons, reason);
        }

        async Task SendAsync(Task previous, string text)
        {
            await previous.ConfigureAwait(false);
            try
            {
                await client.SetFlowRunWaitingReasonAsync(RunId, text, options.EffectiveName, _cancellation).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException or OperationCanceledException)
            {
                // Only a hint shown while the run waits (the same lines are in its logs); a run that has moved on refuses it.
            }
        }
    }

    /// <summary>The infrastructure id lets the server and operators find the process or container; the run goes on without it.</summary>
    private async Task RecordInfrastructureAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await client.SetFlowRunInfrastructureAsync(RunId, id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
        {
            Log.ReportFailed(logger, RunName, ex.Message);
        }
    }

    /// <summary>
    /// Decided by the run's state, not by who asked for the stop: a flow process may notice its cancellation (and exit)
    /// before this worker's cancellation poll does, and CANCELLING may only be followed by CANCELLED.
    /// </summary>
    private async Task ReportExitAsync(InfrastructureExit status, StateType? acceptedFinal, CancellationToken cancellationToken)
    {
        // A final state the server accepted from the flow stays: no need to read it back.
        var known = acceptedFinal is { } final && final.IsTerminal();
        var seen = known ? null : (await RetryUntilAnsweredAsync(token => client.GetFlowRunAsync(RunId, token), cancellationToken).ConfigureAwait(false))?.State;
        var state = known ? acceptedFinal : seen?.Type;
        if (seen is { Type: StateType.Paused, Name: StateNames.Suspended } or { Type: StateType.Scheduled, Name: StateNames.Resuming })
        {
            // The flow suspended itself: its process exiting is what a suspension is, and a resume starts it again.
        }
        else if (state == StateType.Cancelling)
        {
            state = (await ReportAsync(new StateProposal(StateType.Cancelled, Message: "cancelled: its infrastructure was stopped"), cancellationToken).ConfigureAwait(false))?.State.Type ?? state;
        }
        else if (state is { } current && !current.IsTerminal())
        {
            if (await ClaimedAgainAsync(cancellationToken).ConfigureAwait(false))
            {
                // The flow suspended itself and was resumed before its process had exited: the new attempt belongs to
                // the execution that claimed it, and this process ending says nothing about it.
                var (code, name) = (status.ToString(), current.ToWireName());
                Log.InfrastructureExited(logger, RunName, code, name);
                WorkerLog(RunLogLevel.Info, $"Infrastructure exited with code {code}; the run was claimed again since and is left to its new attempt.");
                return;
            }

            var message = StopRequested ? $"{await _stopRequested.Task.ConfigureAwait(false)}; the run was stopped (exit code {status})" : status.Explain();
            WorkerLog(status.Code == 0 ? RunLogLevel.Warning : RunLogLevel.Error, $"{message}.");
            state = (await ReportAsync(new StateProposal(StateType.Crashed, Message: message), cancellationToken).ConfigureAwait(false))?.State.Type ?? state;
        }

        var exitCode = status.ToString();
        var stateName = state?.ToWireName() ?? "unknown";
        Log.InfrastructureExited(logger, RunName, exitCode, stateName);
        WorkerLog(RunLogLevel.Info, StartedByClaim
            ? $"Worker '{options.EffectiveName}' ran this run in its own process ({claim.FlowRun.InfrastructureId}), started RUNNING by its claim; it exited with code {exitCode}; the run is {stateName}."
            : $"Infrastructure exited with code {exitCode}; the run is {stateName}.");
    }

    /// <summary>
    /// Whether the run was claimed again after this execution submitted it: a later PENDING state in its history (a
    /// claim always writes one). Only a suspended and resumed run can be claimed while its old process is still exiting.
    /// </summary>
    private async Task<bool> ClaimedAgainAsync(CancellationToken cancellationToken)
    {
        if (_submittingStateId is not { } submitted)
        {
            return false;
        }

        var history = await RetryUntilAnsweredAsync(token => client.GetFlowRunStatesAsync(RunId, token), cancellationToken).ConfigureAwait(false);
        return history?.SkipWhile(s => s.Id != submitted).Skip(1).Any(s => s.Type == StateType.Pending) == true;
    }

    /// <summary>Proposes a state on the run's behalf with one transition id for every retry; null when the server refused the request.</summary>
    private Task<SetStateResult?> ReportAsync(StateProposal proposal, CancellationToken cancellationToken)
    {
        var idempotent = proposal with { TransitionId = proposal.TransitionId ?? Guid.NewGuid() };
        return RetryUntilAnsweredAsync(token => client.SetFlowRunStateAsync(RunId, idempotent, token), cancellationToken);
    }

    /// <summary>
    /// The client retries through an outage for its window; past it, this keeps trying (the run is ours to report)
    /// until the worker stops for good. Null when the server answered with an error.
    /// </summary>
    private async Task<T?> RetryUntilAnsweredAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) where T : class
    {
        while (true)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (BosunServerUnreachableException ex)
            {
                Log.ReportFailed(logger, RunName, ex.Message);
                await Task.Delay(options.ClaimRetryDelay, timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (BosunApiException ex)
            {
                Log.ReportFailed(logger, RunName, ex.Message);
                return null;
            }
        }
    }

    private void WorkerLog(RunLogLevel level, string message) => logs.Add(RunId, level, message, LogSource.Worker);

    private Dictionary<string, string?> StandardEnvironment(string? runToken)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // Null removes a BOSUN_API_KEY inherited from the worker's own environment.
            ["BOSUN_API_KEY"] = runToken,
            ["BOSUN_API_URL"] = client.ApiUrl.ToString().TrimEnd('/'),
            ["BOSUN_FLOW_RUN_ID"] = RunId.ToString(),
            ["BOSUN_FLOW_RUN_NAME"] = RunName,
            ["BOSUN_FLOW_NAME"] = claim.FlowRun.FlowName,
            ["BOSUN_DEPLOYMENT_ID"] = claim.Deployment.Id.ToString(),
            ["BOSUN_DEPLOYMENT_NAME"] = claim.Deployment.Name,
            ["BOSUN_WORKER_NAME"] = options.EffectiveName,
            // W3C trace context: the flow process's spans (and its HttpClient calls) go below this execution's span.
            ["TRACEPARENT"] = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : claim.FlowRun.Traceparent,
            // The flow-run process rides out an outage as long as its worker does.
            [BosunClientOptions.OutageRetryWindowVariable] = options.OutageRetryWindow.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        };
        if (source.Pool is { } pool)
        {
            environment["BOSUN_WORK_POOL_NAME"] = pool.Name;
            environment["BOSUN_WORK_POOL_ID"] = pool.Id.ToString();
        }

        return environment;
    }

    private Dictionary<string, string> StandardLabels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["io.bosun.flow-run-id"] = RunId.ToString(),
            ["io.bosun.flow-run-name"] = RunName,
            ["io.bosun.worker-name"] = options.EffectiveName,
            ["io.bosun.flow-name"] = claim.FlowRun.FlowName,
            ["io.bosun.deployment-name"] = claim.Deployment.Name,
            ["io.bosun.deployment-version"] = claim.Deployment.Version ?? "",
        };
        if (source.Pool is { } pool)
        {
            labels["io.bosun.work-pool-name"] = pool.Name;
        }

        return labels;
    }
}
