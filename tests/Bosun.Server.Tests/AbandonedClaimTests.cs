using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Storage;
using Bosun.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Tests;

/// <summary>
/// A claim whose claimant is gone before it can be answered (its request aborted while the claim's write was committed:
/// a worker stopping with a long-poll on its way) hands what it took back to the queue at once. Before, the run stayed
/// PENDING and claimed by a claimant that never saw it until the sweep's worker timeout (90 s) re-queued it.
/// </summary>
public sealed class AbandonedClaimTests
{
    [Fact]
    public async Task ClaimAbortedWhileItsWriteCommits_TheRunItTookGoesBackToItsQueueAtOnce()
    {
        // SQLite's group commit makes the moment reachable: a caller's write is acknowledged when its group commits, and a
        // group stays open while others wait for the writer (for minutes here, 5 ms in a server). On PostgreSQL the
        // request's token cancels the transaction until its COMMIT returns, and the same check covers what comes after.
        SqliteDialect? dialect = null;
        var abortSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await TestServer.StartAsync(postgres: false,
            configure: options => (options.ServiceInterval, options.NoAutomationDispatch) = (TimeSpan.FromHours(1), true),
            services: services =>
            {
                services.AddSingleton(provider => new BosunDatabase(dialect = new SqliteDialect(provider.GetRequiredService<IOptions<BosunServerOptions>>().Value.Database)
                {
                    MaxGroupOpen = TimeSpan.FromMinutes(5),
                }));
                services.AddSingleton<IStartupFilter>(new ClaimAbortWatch(abortSeen));
            });
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        var run = await client.RunAsync(deployment);
        var database = server.Server.Services.GetRequiredService<BosunDatabase>();

        // The test holds the writer; the claim, then a second write of the test's, wait for it.
        var (holding, releaseHolder) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var holder = database.WriteAsync(async _ => { holding.TrySetResult(); await releaseHolder.Task; return 0; }, CancellationToken.None);
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using var abort = new CancellationTokenSource();
        var claiming = client.ClaimFlowRunsAsync("p", new ClaimRequest("w-gone", MaxRuns: 1), abort.Token);
        await WaitForWaitersAsync(dialect!, 1, "the claim waits for the writer");
        var (following, releaseFollower) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var follower = database.WriteAsync(async _ => { following.TrySetResult(); await releaseFollower.Task; return 0; }, CancellationToken.None);
        await WaitForWaitersAsync(dialect!, 2, "the claim and the test's second write wait for the writer");

        // The holder leaves: the group stays open for those waiting. The claim takes the run in it and waits for its
        // commit, which comes when the second write, holding the writer now, leaves too.
        releaseHolder.TrySetResult();
        await following.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(claiming.IsCompleted, "the claim was answered before its write committed");

        // The claimant gives up, and the server sees its request end; then the claim's write commits.
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => claiming);
        await abortSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        releaseFollower.TrySetResult();
        await Task.WhenAll(holder, follower);

        var back = await Eventually.ValueAsync(() => client.GetFlowRunAsync(run.Id), r => r.State.Type != StateType.Pending,
            "the claim took the run, and it left PENDING", TimeSpan.FromSeconds(60));
        Assert.Equal((StateType.Scheduled, ClaimService.AbandonedClaimMessage), (back.State.Type, back.State.Message));
        Assert.Equal(run.ExpectedStartTime, back.NextScheduledStartTime);
        var history = await client.GetFlowRunStatesAsync(run.Id);
        Assert.Contains(history, state => state.Type == StateType.Pending);
        var logs = (await client.ReadLogsAsync(run.Id)).Items;
        Assert.Contains(logs, line => line.Source == LogSource.Server && line.Message.StartsWith("'w-gone' claimed this run but was gone before the claim could be answered", StringComparison.Ordinal));

        // Back in its queue: the next claim takes it.
        var next = await client.ClaimFlowRunsAsync("p", new ClaimRequest("w-next", MaxRuns: 1));
        Assert.Equal(run.Id, Assert.Single(next.Runs).FlowRun.Id);
    }

    private static Task WaitForWaitersAsync(SqliteDialect dialect, int waiting, string what) =>
        Eventually.WaitUntilAsync(() => Task.FromResult(dialect.Waiting == waiting), what, TimeSpan.FromSeconds(60), seen: () => $"{dialect.Waiting} waiting");

    /// <summary>Tells the test when the server sees a claim's request end (its RequestAborted), ahead of the server's own middleware.</summary>
    private sealed class ClaimAbortWatch(TaskCompletionSource seen) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextStep) =>
            {
                if (context.Request.Path.Value?.EndsWith("/claim", StringComparison.Ordinal) == true)
                {
                    context.RequestAborted.Register(() => seen.TrySetResult());
                }

                await nextStep(context);
            });
            next(app);
        };
    }
}
