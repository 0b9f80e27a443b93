using System.Net;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Bosun.Worker.Runtime;

/// <summary>
/// Every heartbeat interval, while the worker claims: lists what the pool's workers started and, for each one this
/// worker does not watch, decides by its run on the server. A run that is not final, whose watcher is this worker
/// (restarted) or a worker that missed two heartbeats (killed, or drained and gone), is adopted: watched from where it is, its
/// output resumed after the lines already logged, its outcome reported as if this worker had started it (so a run still
/// RUNNING whose Job has finished gets the Job's outcome). A Job whose run no longer exists, or is final while the Job
/// still runs, is deleted at once; a finished Job of a final run is deleted once its <c>finished_job_ttl</c> has passed.
/// So is one whose run went back to its queue (SCHEDULED), and one of two for the same run that the run does not name.
/// </summary>
internal sealed class InfrastructureReconciler(
    IAdoptableInfrastructure infrastructure,
    BosunClient client,
    WorkPool pool,
    WorkerOptions options,
    Func<Guid, bool> isWatched,
    Action<ClaimedFlowRun, StartedInfrastructure> adopt,
    TimeProvider time,
    ILogger logger)
{
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = options.HeartbeatInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(stoppingToken).ConfigureAwait(false);
                backoff = options.HeartbeatInterval;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The cluster or the server is away: the next pass looks again, and nothing was decided on half a picture.
                Log.ReconcileFailed(logger, ex.Message);
                backoff = TimeSpan.FromSeconds(Math.Min(60, backoff.TotalSeconds * 2));
            }

            try
            {
                await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var started = await infrastructure.ListAsync(pool, cancellationToken).ConfigureAwait(false);
        // Two for one run: a worker died between creating one and recording its id, the server's sweep re-queued the run
        // (no infrastructure recorded), and it was started again. The one the run does not name is the left-over.
        var deleted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var twins in started.GroupBy(s => s.RunId).Where(g => g.Count() > 1))
        {
            if (await RunAsync(twins.Key, cancellationToken).ConfigureAwait(false) is { InfrastructureId: { } recorded })
            {
                foreach (var item in twins.Where(i => i.Id != recorded))
                {
                    await DeleteAsync(item, $"its flow run was started again, as {recorded}", cancellationToken).ConfigureAwait(false);
                    deleted.Add(item.Id);
                }
            }
        }

        HashSet<string>? live = null;
        foreach (var item in started.Where(s => !isWatched(s.RunId) && !deleted.Contains(s.Id)))
        {
            var run = await RunAsync(item.RunId, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                await DeleteAsync(item, "its flow run no longer exists", cancellationToken).ConfigureAwait(false);
            }
            else if (run.State is { Type: StateType.Scheduled, Name: StateNames.Scheduled or StateNames.Late })
            {
                // Re-queued by the server's sweep (its worker went silent before recording it): a claim starts it afresh.
                // (AwaitingRetry is SCHEDULED too, but its flow process retries in the pod it runs in.)
                await DeleteAsync(item, $"its flow run is {run.State.Type.ToWireName()} again, to be started afresh", cancellationToken).ConfigureAwait(false);
            }
            else if (run.State.Type.IsTerminal())
            {
                if (item.FinishedAt is null)
                {
                    await DeleteAsync(item, $"its flow run is already {run.State.Type.ToWireName()} but it still runs", cancellationToken).ConfigureAwait(false);
                }
                else if (item.FinishedTtl is { } ttl && item.FinishedAt.Value + ttl <= time.GetUtcNow())
                {
                    await DeleteAsync(item, $"finished_job_ttl ({ttl.TotalSeconds:0} s) has passed since it finished", cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                // A watcher that missed two heartbeats is gone (killed, or drained and stopped). Not waiting for the third
                // (when the server shows it OFFLINE) matters: the server's sweep crashes a silent claimant's run after
                // max(worker_timeout, three intervals), and the adopter must heartbeat the run before that.
                var now = time.GetUtcNow();
                live ??= [.. (await client.ListWorkersAsync(pool.Name, cancellationToken).ConfigureAwait(false))
                    .Where(w => w.Name != options.EffectiveName && w.LastHeartbeat >= now - 2 * TimeSpan.FromSeconds(w.HeartbeatIntervalSeconds))
                    .Select(w => w.Name)];
                if (!live.Contains(item.WorkerName) && run.DeploymentId is { } deploymentId)
                {
                    var deployment = await client.GetDeploymentAsync(deploymentId, cancellationToken).ConfigureAwait(false);
                    Log.Adopting(logger, run.Name, item.Id, item.WorkerName);
                    adopt(new ClaimedFlowRun(run, deployment), item);
                }
            }
        }
    }

    /// <summary>How many output lines of the run are already in its logs: an adopted Job's output resumes after them.</summary>
    public static async Task<long> LoggedOutputLinesAsync(BosunClient client, Guid runId, CancellationToken cancellationToken)
    {
        var count = 0L;
        var after = 0L;
        while (true)
        {
            var page = await client.ReadLogsAsync(runId, after, 500, cancellationToken).ConfigureAwait(false);
            count += page.Items.Count(l => l.Source == LogSource.Infrastructure);
            if (page.Items.Count < 500)
            {
                return count;
            }

            after = page.Items[^1].Id;
        }
    }

    private async Task<FlowRun?> RunAsync(Guid runId, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFlowRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task DeleteAsync(StartedInfrastructure item, string reason, CancellationToken cancellationToken)
    {
        Log.DeletingLeftover(logger, item.Id, reason);
        await item.DeleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
