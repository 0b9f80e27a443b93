using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure;

namespace Bosun.Worker.Runtime;

/// <summary>A work pool's runs, claimed as the worker named in <see cref="WorkerOptions"/>; the pool's base job template renders each job.</summary>
public sealed class WorkPoolClaimSource(BosunClient client, WorkPool pool, WorkerOptions options) : ClaimSource
{
    // The claim answers with the pool as it is now: a template changed while the worker runs applies to the next run.
    private WorkPool _pool = pool;

    public override string Description => $"work pool '{_pool.Name}' ({_pool.Type})";

    internal override async Task<IReadOnlyList<ClaimedFlowRun>> ClaimAsync(int maxRuns, TimeSpan prefetch, bool wait, CancellationToken cancellationToken)
    {
        using var activity = WorkerTracing.Source.StartActivity("bosun.worker.claim");
        activity?.SetTag("bosun.work_pool.name", _pool.Name);
        var claim = await client.ClaimFlowRunsAsync(_pool.Name, new ClaimRequest(
            options.EffectiveName,
            maxRuns,
            options.WorkQueues.Count > 0 ? options.WorkQueues.ToList() : null,
            _pool.Type,
            prefetch.TotalSeconds,
            wait ? options.ClaimWait.TotalSeconds : 0,
            HeartbeatSeconds), cancellationToken).ConfigureAwait(false);
        _pool = claim.WorkPool;
        activity?.SetTag("bosun.claimed_runs", claim.Runs.Count);
        return claim.Runs;
    }

    internal override async Task<IReadOnlyList<Guid>> ListCancellingAsync(CancellationToken cancellationToken) =>
        (await AllAsync(client, new FlowRunFilter(States: [StateType.Cancelling], WorkPoolName: _pool.Name), cancellationToken).ConfigureAwait(false))
        .Select(run => run.Id).ToList();

    internal override Task<IReadOnlyList<FlowRunSummary>> ListHeldAsync(CancellationToken cancellationToken) =>
        ClaimedByAsync(client, new FlowRunFilter(States: [StateType.Pending, StateType.Running], WorkPoolName: _pool.Name), options.EffectiveName, cancellationToken);

    internal override Task HeartbeatAsync(CancellationToken cancellationToken) =>
        client.SendWorkerHeartbeatAsync(_pool.Name, new WorkerHeartbeat(options.EffectiveName, _pool.Type, HeartbeatSeconds), cancellationToken);

    /// <remarks>
    /// The pool's job-variable policy is applied here again, with the pool as this claim found it: a policy tightened
    /// after the run or its deployment was accepted still holds. A locked variable gets the pool's value (said in the
    /// run's log); a value a constrained rule refuses stops the run before anything is created.
    /// </remarks>
    internal override JsonObject RenderJob(ClaimedFlowRun run, Action<string> note)
    {
        var template = _pool.BaseJobTemplate;
        var outcome = JobVariablePolicy.Apply(_pool.JobVariablePolicy, template["variables"] as JsonObject, run.Deployment.JobVariables, run.FlowRun.JobVariables,
            run.Deployment.PolicyExemptions);
        if (outcome.Refused.Count > 0)
        {
            throw new SubmissionException(
                $"work pool '{_pool.Name}''s job-variable policy refuses {string.Join("; ", outcome.Refused.Select(finding => $"{finding.Variable} ({finding.Rule})"))}");
        }

        foreach (var finding in outcome.Locked)
        {
            // The rule only, never the value asked: it may be a secret.
            note($"Work pool '{_pool.Name}''s job-variable policy set {finding.Variable} to the pool's value ({finding.Variable} is {finding.Rule}).");
        }

        return JobTemplateRenderer.Render(template, outcome.Values, Environment.GetEnvironmentVariable);
    }

    internal override WorkPool? Pool => _pool;

    private int HeartbeatSeconds => (int)Math.Ceiling(options.HeartbeatInterval.TotalSeconds);
}
