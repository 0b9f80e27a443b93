using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure;
using Bosun.Worker.Infrastructure.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Bosun.Worker;

/// <summary>
/// One claimed run, start to end: render the job → Submitting → create the infrastructure → record its id →
/// stream its output → wait → report a crash, or stop it when the run is cancelled (spec §6).
/// </summary>
internal sealed class FlowRunExecution(
    ClaimedFlowRun claim,
    WorkPool pool,
    FlowRunInfrastructure infrastructure,
    BosunClient client,
    LogShipper logs,
    WorkerOptions options,
    ILogger logger,
    StartedInfrastructure? adopted = null)
{
    private readonly TaskCompletionSource<string> _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid RunId => claim.FlowRun.Id;

    private string RunName => claim.FlowRun.Name;

    /// <summary>True once the infrastructure was created (the run counts against the worker's limit until it ends).</summary>
    public bool Started { get; private set; }

    /// <summary>Asks the execution to stop its infrastructure: for a cancellation (CANCELLED after) or a shutdown (CRASHED after).</summary>
    public void RequestStop(string reason) => _stopRequested.TrySetResult(reason);

    public bool StopRequested => _stopRequested.Task.IsCompleted;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Log.RunClaimed(logger, RunName, RunId);
        InfrastructureHandle? handle = null;
        try
        {
            // [kubernetes adoption hook] A Job that outlived its worker is watched from where it is; the rest is the same.
            if (adopted is not null)
            {
                handle = await adopted.AdoptAsync(options.EffectiveName,
                    await InfrastructureReconciler.LoggedOutputLinesAsync(client, RunId, cancellationToken).ConfigureAwait(false),
                    (line, isError) => logs.Add(RunId, isError ? RunLogLevel.Error : RunLogLevel.Info, line, LogSource.Infrastructure),
                    line => WorkerLog(RunLogLevel.Info, line), cancellationToken).ConfigureAwait(false);
                if (handle is null)
                {
                    return;
                }

                WorkerLog(RunLogLevel.Info, $"Worker '{options.EffectiveName}' adopted {pool.Type} infrastructure {handle.Id} (watched by '{adopted.WorkerName}' before).");
            }
            else
            {
                JsonObject configuration;
                try
                {
                    configuration = Render();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.Text.Json.JsonException)
                {
                    throw new SubmissionException($"the job template could not be rendered: {ex.Message}", ex);
                }

                var submitting = await client.SetFlowRunStateAsync(RunId, new StateProposal(StateType.Pending, StateNames.Submitting), cancellationToken).ConfigureAwait(false);
                if (submitting.Status != SetStateStatus.Accept)
                {
                    WorkerLog(RunLogLevel.Warning, $"Not starting: the server answered {submitting.Status} ({submitting.Reason}).");
                    return;
                }

                configuration = await SecretReferences.ResolveAsync(configuration, client, RunId, cancellationToken).ConfigureAwait(false);
                // The flow-run process gets a token scoped to its own run, never this worker's key.
                var runToken = await client.IssueRunTokenAsync(RunId, cancellationToken).ConfigureAwait(false);
                WorkerLog(RunLogLevel.Info, $"Worker '{options.EffectiveName}' is creating {pool.Type} infrastructure for this run.");
                var job = new JobContext(claim, configuration, StandardEnvironment(runToken.Token), StandardLabels(),
                    (line, isError) => logs.Add(RunId, isError ? RunLogLevel.Error : RunLogLevel.Info, line, LogSource.Infrastructure),
                    line => WorkerLog(RunLogLevel.Info, line));
                handle = await infrastructure.StartAsync(job, cancellationToken).ConfigureAwait(false);
                Log.InfrastructureStarted(logger, RunName, handle.Id);
                WorkerLog(RunLogLevel.Info, $"Started {pool.Type} infrastructure {handle.Id}.");
            }

            Started = true;
            await client.SetFlowRunInfrastructureAsync(RunId, handle.Id, cancellationToken).ConfigureAwait(false);

            var exit = handle.WaitForExitAsync(cancellationToken);
            var first = await Task.WhenAny(exit, _stopRequested.Task).ConfigureAwait(false);
            if (first != exit)
            {
                var reason = await _stopRequested.Task.ConfigureAwait(false);
                Log.Cancelling(logger, RunName);
                WorkerLog(RunLogLevel.Warning, $"Stopping infrastructure {handle.Id}: {reason}.");
                await handle.StopAsync(options.StopGracePeriod, cancellationToken).ConfigureAwait(false);
            }

            var status = await exit.ConfigureAwait(false);
            await ReportExitAsync(status, cancellationToken).ConfigureAwait(false);
        }
        catch (SubmissionException ex)
        {
            Log.SubmitFailed(logger, RunName, ex);
            WorkerLog(RunLogLevel.Error, $"Failed to submit flow run: {ex.Message}");
            await ProposeAsync(new StateProposal(StateType.Crashed, Message: $"failed to submit: {ex.Message}"), CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException && !Started)
        {
            Log.SubmitFailed(logger, RunName, ex);
            WorkerLog(RunLogLevel.Error, $"Failed to submit flow run: {ex.Message}");
            await ProposeAsync(new StateProposal(StateType.Crashed, Message: $"failed to submit: {ex.Message}"), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (handle is not null)
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }

            await logs.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private JsonObject Render()
    {
        var template = pool.BaseJobTemplate;
        var values = JobTemplateRenderer.MergeVariables(template["variables"] as JsonObject, claim.Deployment.JobVariables, claim.FlowRun.JobVariables);
        return JobTemplateRenderer.Render(template, values, Environment.GetEnvironmentVariable);
    }

    private async Task ReportExitAsync(InfrastructureExit status, CancellationToken cancellationToken)
    {
        var run = await client.GetFlowRunAsync(RunId, cancellationToken).ConfigureAwait(false);
        var state = run.State.Type;
        if (StopRequested && state == StateType.Cancelling)
        {
            // The infrastructure is gone: only now is the run CANCELLED (spec §6, Bosun).
            state = (await ProposeAsync(new StateProposal(StateType.Cancelled, Message: "cancelled: its infrastructure was stopped"), cancellationToken).ConfigureAwait(false))?.State.Type ?? state;
        }
        else if (StopRequested && !state.IsTerminal())
        {
            var reason = await _stopRequested.Task.ConfigureAwait(false);
            state = (await ProposeAsync(new StateProposal(StateType.Crashed, Message: $"{reason}; the run was stopped (exit code {status})"), cancellationToken).ConfigureAwait(false))?.State.Type ?? state;
        }
        else if (!state.IsTerminal())
        {
            var message = status.Explain();
            WorkerLog(status.Code == 0 ? RunLogLevel.Warning : RunLogLevel.Error, $"{message}.");
            state = (await ProposeAsync(new StateProposal(StateType.Crashed, Message: message), cancellationToken).ConfigureAwait(false))?.State.Type ?? state;
        }

        var exitCode = status.ToString();
        var stateName = state.ToWireName();
        Log.InfrastructureExited(logger, RunName, exitCode, stateName);
        WorkerLog(RunLogLevel.Info, $"Infrastructure exited with code {exitCode}; the run is {stateName}.");
    }

    private async Task<SetStateResult?> ProposeAsync(StateProposal proposal, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SetFlowRunStateAsync(RunId, proposal, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
        {
            Log.ReportFailed(logger, RunName, ex);
            return null;
        }
    }

    private void WorkerLog(RunLogLevel level, string message) => logs.Add(RunId, level, message, LogSource.Worker);

    private Dictionary<string, string?> StandardEnvironment(string? runToken) => new(StringComparer.Ordinal)
    {
        // Null removes a BOSUN_API_KEY inherited from the worker's own environment.
        ["BOSUN_API_KEY"] = runToken,
        ["BOSUN_API_URL"] = client.ApiUrl.ToString().TrimEnd('/'),
        ["BOSUN_FLOW_RUN_ID"] = RunId.ToString(),
        ["BOSUN_FLOW_RUN_NAME"] = RunName,
        ["BOSUN_FLOW_NAME"] = claim.FlowRun.FlowName,
        ["BOSUN_DEPLOYMENT_ID"] = claim.Deployment.Id.ToString(),
        ["BOSUN_DEPLOYMENT_NAME"] = claim.Deployment.Name,
        ["BOSUN_WORK_POOL_NAME"] = pool.Name,
        ["BOSUN_WORK_POOL_ID"] = pool.Id.ToString(),
        ["BOSUN_WORKER_NAME"] = options.EffectiveName,
    };

    private Dictionary<string, string> StandardLabels() => new(StringComparer.Ordinal)
    {
        ["io.bosun.flow-run-id"] = RunId.ToString(),
        ["io.bosun.flow-run-name"] = RunName,
        ["io.bosun.work-pool-name"] = pool.Name,
        ["io.bosun.worker-name"] = options.EffectiveName,
        ["io.bosun.flow-name"] = claim.FlowRun.FlowName,
        ["io.bosun.deployment-name"] = claim.Deployment.Name,
        ["io.bosun.deployment-version"] = claim.Deployment.Version ?? "",
    };
}
