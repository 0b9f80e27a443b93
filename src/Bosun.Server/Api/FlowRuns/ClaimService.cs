using Bosun.Contracts.FlowRuns;
using Bosun.Server.Orchestration;
using Bosun.Server.Storage;
using Bosun.Server.Validation;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Api.FlowRuns;

/// <summary>
/// The claim with its optional long-poll (spec §3, Bosun): when nothing is eligible the request waits for a
/// <see cref="ClaimSignal"/> or for the next run to come due, then claims again, so a new run starts in
/// milliseconds rather than at the next poll.
/// </summary>
internal sealed class ClaimService(BosunDatabase database, ClaimSignal claimSignal, TimeProvider timeProvider, IOptions<BosunServerOptions> options)
{
    public async Task<ClaimResponse> ClaimAsync(string poolName, ClaimRequest request, CancellationToken cancellationToken)
    {
        var problem = NameRules.Check(request.WorkerName, "Worker");
        if (problem is not null)
        {
            throw ApiProblemException.Invalid("worker_name", [problem]);
        }

        if (request.MaxRuns is < 0 or > 1000)
        {
            throw ApiProblemException.Invalid("max_runs", ["must be between 0 and 1000"]);
        }

        var (prefetch, wait) = Windows(request.PrefetchSeconds, request.WaitSeconds);
        Guid? poolId = null;
        var claimed = await LongPollAsync(wait, async now =>
        {
            var outcome = await database.WriteAsync(
                scope => ClaimStore.ClaimAsync(scope, database.Dialect, poolName, request, now, prefetch, cancellationToken), cancellationToken);
            poolId = outcome.PoolId;
            return outcome;
        }, prefetch, cutoff => database.ReadAsync(
            connection => ClaimStore.NextDueAsync(connection, poolId, null, cutoff, cancellationToken), cancellationToken), cancellationToken);
        return await ReadClaimAsync(poolName, claimed, cancellationToken);
    }

    public async Task<ServedClaimResponse> ClaimServedAsync(ServedClaimRequest request, CancellationToken cancellationToken)
    {
        var problem = NameRules.Check(request.ProcessName, "Serving process");
        if (problem is not null)
        {
            throw ApiProblemException.Invalid("process_name", [problem]);
        }

        if (request.DeploymentIds is not { Count: > 0 and <= 1000 })
        {
            throw ApiProblemException.Invalid("deployment_ids", ["name 1 to 1000 served deployments"]);
        }

        if (request.MaxRuns is < 0 or > 1000)
        {
            throw ApiProblemException.Invalid("max_runs", ["must be between 0 and 1000"]);
        }

        var (prefetch, wait) = Windows(request.PrefetchSeconds, request.WaitSeconds);
        var claimed = await LongPollAsync(wait,
            now => database.WriteAsync(scope => ClaimStore.ClaimServedAsync(scope, database.Dialect, request, now, prefetch, cancellationToken), cancellationToken),
            prefetch,
            cutoff => database.ReadAsync(connection => ClaimStore.NextDueAsync(connection, null, request.DeploymentIds, cutoff, cancellationToken), cancellationToken),
            cancellationToken);
        var now = timeProvider.GetUtcNow();
        return await database.ReadAsync(async connection => new ServedClaimResponse(await ReadRunsAsync(connection, claimed, now, cancellationToken)), cancellationToken);
    }

    private (TimeSpan Prefetch, TimeSpan Wait) Windows(double? prefetchSeconds, double? waitSeconds)
    {
        if (prefetchSeconds is < 0 or > 86_400 || waitSeconds is < 0)
        {
            throw ApiProblemException.Invalid("prefetch_seconds", ["prefetch_seconds must be 0 to 86400 and wait_seconds 0 or more"]);
        }

        var settings = options.Value;
        return (prefetchSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.DefaultPrefetch,
            TimeSpan.FromSeconds(Math.Min(waitSeconds ?? 0, settings.MaxClaimWait.TotalSeconds)));
    }

    /// <summary>
    /// Claims; when nothing was claimed and the caller may wait, sleeps until a <see cref="ClaimSignal"/>, the next run
    /// coming due, or the deadline, and claims again.
    /// </summary>
    private async Task<IReadOnlyList<Guid>> LongPollAsync(
        TimeSpan wait, Func<DateTimeOffset, Task<ClaimOutcome>> claim, TimeSpan prefetch, Func<DateTimeOffset, Task<long?>> nextDue, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + wait;
        while (true)
        {
            // Take the signal before claiming: a run created while we claim then still wakes us.
            var signalled = claimSignal.NextAsync();
            var now = timeProvider.GetUtcNow();
            var outcome = await claim(now);
            if (outcome.WakesClaims)
            {
                claimSignal.Notify();
            }

            var remaining = deadline - timeProvider.GetUtcNow();
            if (outcome.ClaimedRunIds.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return outcome.ClaimedRunIds;
            }

            if (await nextDue(now + prefetch) is { } dueMs)
            {
                var untilDue = StoredValues.Time(dueMs) - prefetch - timeProvider.GetUtcNow();
                remaining = untilDue < remaining ? untilDue : remaining;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), timeProvider, timeout.Token);
            await Task.WhenAny(signalled, delay);
            await timeout.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<ClaimResponse> ReadClaimAsync(string poolName, IReadOnlyList<Guid> runIds, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return await database.ReadAsync(async connection =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(connection, poolName, now, cancellationToken)
                ?? throw Api.WorkPools.WorkPoolService.PoolNotFound(poolName);
            return new ClaimResponse(pool.ToContract(), await ReadRunsAsync(connection, runIds, now, cancellationToken));
        }, cancellationToken);
    }

    private static async Task<IReadOnlyList<ClaimedFlowRun>> ReadRunsAsync(System.Data.Common.DbConnection connection, IReadOnlyList<Guid> runIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var runs = new List<ClaimedFlowRun>(runIds.Count);
        var deployments = new Dictionary<Guid, Contracts.Deployments.Deployment>();
        foreach (var id in runIds)
        {
            var run = await FlowRunStore.GetAsync(connection, id, cancellationToken);
            if (run?.DeploymentId is not { } deploymentId)
            {
                continue;
            }

            if (!deployments.TryGetValue(deploymentId, out var deployment))
            {
                var row = await DeploymentStore.GetAsync(connection, deploymentId, cancellationToken);
                if (row is null)
                {
                    continue;
                }

                deployment = deployments[deploymentId] = (await DeploymentStore.ToContractsAsync(connection, [row], now, cancellationToken))[0];
            }

            runs.Add(new ClaimedFlowRun(run.ToContract(null), deployment));
        }

        return runs;
    }
}
