using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.WorkPools;

namespace Bosun.Worker.Runtime;

/// <summary>
/// Where a <see cref="WorkerRuntime"/> gets its runs: a work pool (<c>bosun worker start</c>) or the deployments a
/// process serves (<c>ServeAsync</c>). Everything else — capacity, launching, cancellation, drain, outages — is the
/// runtime's and the same for both.
/// </summary>
public abstract class ClaimSource
{
    private protected ClaimSource()
    {
    }

    /// <summary>What is polled, for log lines: "work pool 'p' (process)".</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Claims up to <paramref name="maxRuns"/> runs due within <paramref name="prefetch"/>, holding the request open while
    /// none is (long-poll).
    /// </summary>
    internal abstract Task<IReadOnlyList<ClaimedFlowRun>> ClaimAsync(int maxRuns, TimeSpan prefetch, bool wait, CancellationToken cancellationToken);

    /// <summary>
    /// The ids of this source's runs that are CANCELLING, every page: whoever claimed them, as a run this worker adopted
    /// keeps the claimant that left it.
    /// </summary>
    internal abstract Task<IReadOnlyList<Guid>> ListCancellingAsync(CancellationToken cancellationToken);

    /// <summary>This claimant's runs that are PENDING or RUNNING on the server (claimed by its name), known to it or not.</summary>
    internal abstract Task<IReadOnlyList<FlowRunSummary>> ListHeldAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The runs <paramref name="filter"/> matches that <paramref name="claimant"/> claimed, every page. The server keeps only
    /// the claimant's runs, so that is one short page however many runs the pool or deployment has (checked here too, for
    /// a server from before the filter, which ignores it).
    /// </summary>
    private protected static async Task<IReadOnlyList<FlowRunSummary>> ClaimedByAsync(Client.BosunClient client, FlowRunFilter filter, string claimant,
        CancellationToken cancellationToken) =>
        (await AllAsync(client, filter with { WorkerName = claimant }, cancellationToken).ConfigureAwait(false)).Where(run => run.WorkerName == claimant).ToList();

    /// <summary>Every run <paramref name="filter"/> matches, page after page (uncounted, by cursor).</summary>
    private protected static async Task<IReadOnlyList<FlowRunSummary>> AllAsync(Client.BosunClient client, FlowRunFilter filter, CancellationToken cancellationToken)
    {
        var all = new List<FlowRunSummary>();
        for (var page = filter with { IncludeTotal = false, Limit = 500 }; ;)
        {
            var found = await client.ListFlowRunsAsync(page, cancellationToken).ConfigureAwait(false);
            all.AddRange(found.Items);
            if (found.NextCursor is not { } cursor)
            {
                return all;
            }

            page = page with { Cursor = cursor };
        }
    }

    /// <summary>Tells the server this worker is alive (nothing for a serving process).</summary>
    internal virtual Task HeartbeatAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The job configuration the launcher gets for <paramref name="run"/>; <paramref name="note"/> tells the run's log what the pool's policy changed.</summary>
    internal abstract JsonObject RenderJob(ClaimedFlowRun run, Action<string> note);

    /// <summary>The work pool the runs come from (its name and id go into each run's environment and labels); null for served runs.</summary>
    internal virtual WorkPool? Pool => null;
}
