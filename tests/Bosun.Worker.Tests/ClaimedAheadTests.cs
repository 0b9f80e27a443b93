using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Worker.Tests;

/// <summary>
/// A run a worker claims ahead of its time (its prefetch) holds none of the worker's slots until its infrastructure's
/// start lead before that time, 3 s for a process (docs/runtime.md, "Runs claimed ahead"); if the worker stops or the run
/// is cancelled first, nothing was created for it. A real worker with limit 1 and real child processes.
/// </summary>
public sealed class ClaimedAheadTests
{
    /// <summary>How long before its time a process pool's run claimed ahead gets its process (ProcessInfrastructure.StartLead).</summary>
    private static readonly TimeSpan ProcessLead = TimeSpan.FromSeconds(3);

    /// <summary>Proposes RUNNING until the server accepts it (it answers WAIT before the run's time).</summary>
    private const string RunningWhenDue =
        """until curl -s -X POST "$BOSUN_API_URL/flow_runs/$BOSUN_FLOW_RUN_ID/set_state" -H 'content-type: application/json' -H "Authorization: Bearer ${BOSUN_API_KEY:-none}" -d '{"type":"RUNNING"}' | grep -q '"status":"ACCEPT"'; do sleep 0.2; done""";

    /// <summary>RUNNING once the server accepts it, then COMPLETED.</summary>
    private static readonly string Flow = FakeFlow.Shell($"{RunningWhenDue}; {FakeFlow.Propose("COMPLETED")}");

    private static WorkerOptions Options()
    {
        var options = WorkerScenario.Options("proc", limit: 1);
        // Claimed long before the lead, however slow a loaded machine makes the claim.
        options.Prefetch = TimeSpan.FromMinutes(2);
        return options;
    }

    [Fact]
    public async Task ClaimedAhead_HoldsNoSlot_ARunDueNowRunsMeanwhile_ItsProcessStartsAtItsLead()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", Flow);
        await using var worker = await TestWorker.StartAsync(server, Options());
        var due = TimeProvider.System.GetUtcNow().AddSeconds(30);
        var later = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: due));
        await client.WaitForStateAsync(later.Id, s => s.Type == StateType.Pending, "the worker claimed the later run ahead");

        // The worker's one slot is free: a run due now starts and ends while the later one waits for its time.
        var now = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var nowDone = await client.WaitForTerminalAsync(now.Id);
        Assert.Equal(StateType.Completed, nowDone.State.Type);
        Assert.True(nowDone.EndTime < due, $"the run due now ended at {nowDone.EndTime:O}, after the later run's time {due:O}");
        Assert.Null((await client.GetFlowRunAsync(later.Id)).InfrastructureId);

        var laterDone = await client.WaitForTerminalAsync(later.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(StateType.Completed, laterDone.State.Type);
        Assert.True(laterDone.StartTime >= laterDone.ExpectedStartTime, $"started at {laterDone.StartTime:O}, before its time {laterDone.ExpectedStartTime:O}");
        var logs = await client.FinalLogsAsync(later.Id);
        Assert.Contains(logs, l => l.Source == LogSource.Worker && l.Message.Contains("claimed this run ahead of its time", StringComparison.Ordinal));
        var created = Assert.Single(logs, l => l.Source == LogSource.Worker && l.Message.StartsWith("Started process infrastructure", StringComparison.Ordinal));
        // The log's timestamp is taken after the process started; both times are stored to the millisecond, and the
        // lead's timer runs on the monotonic clock, not the wall clock these are read from (hence a few ms of slack).
        var earliest = laterDone.ExpectedStartTime - ProcessLead - TimeSpan.FromMilliseconds(20);
        Assert.True(created.Timestamp >= earliest, $"its process started at {created.Timestamp:O}, more than {ProcessLead} before its time {laterDone.ExpectedStartTime:O}");
    }

    [Fact]
    public async Task ClaimedAhead_ACrashRetrysNewAttempt_HoldsNoSlotUntilTheLeadBeforeTheAttemptsTime()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", Flow);
        // The first attempt is RUNNING and exits without a final state (CRASHED: a new attempt 30 s later); the next completes.
        var attempted = Path.Combine(Path.GetTempPath(), $"bosun-ahead-{Guid.NewGuid():N}");
        var crashing = await client.UpsertDeploymentAsync(new DeploymentUpsert("shell", "crashing",
            FakeFlow.Shell($"if [ -e {attempted} ]; then {RunningWhenDue}; {FakeFlow.Propose("COMPLETED")}; else touch {attempted}; {FakeFlow.Propose("RUNNING")}; exit 3; fi"),
            WorkPoolName: "proc", CrashRetries: 1, CrashRetryDelaySeconds: 30));
        await using var worker = await TestWorker.StartAsync(server, Options());
        try
        {
            var run = await client.CreateFlowRunAsync(crashing.Id, new FlowRunCreate());
            // Its new attempt is claimed ahead, with the run's first expected start long past: the attempt's time counts.
            var history = await Eventually.ValueAsync(() => client.GetFlowRunStatesAsync(run.Id),
                states => states.Any(s => s.Name == StateNames.AwaitingCrashRetry) && states[^1].Type == StateType.Pending,
                "the first attempt crashed, and the worker claimed the new attempt ahead");
            var attemptAt = history.Single(s => s.Name == StateNames.AwaitingCrashRetry).ScheduledTime!.Value;

            var now = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            var nowDone = await client.WaitForTerminalAsync(now.Id);
            Assert.Equal(StateType.Completed, nowDone.State.Type);
            Assert.True(nowDone.EndTime < attemptAt, $"the run due now ended at {nowDone.EndTime:O}, after the new attempt's time {attemptAt:O}: the attempt held the slot");
            Assert.Null((await client.GetFlowRunAsync(run.Id)).InfrastructureId);

            var done = await client.WaitForTerminalAsync(run.Id, TimeSpan.FromSeconds(120));
            Assert.Equal(StateType.Completed, done.State.Type);
            static List<LogEntry> Created(IReadOnlyList<LogEntry> logs) =>
                logs.Where(l => l.Message.StartsWith("Started process infrastructure", StringComparison.Ordinal)).OrderBy(l => l.Timestamp).ToList();
            var created = Created(await Eventually.ValueAsync(() => client.LogsAsync(run.Id), logs => Created(logs).Count >= 2, "both attempts' starts are in the run's log"));
            Assert.Equal(2, created.Count);
            Assert.True(created[1].Timestamp >= attemptAt - ProcessLead - TimeSpan.FromMilliseconds(20),
                $"the new attempt's process started at {created[1].Timestamp:O}, more than {ProcessLead} before its time {attemptAt:O}");
        }
        finally
        {
            File.Delete(attempted);
        }
    }

    [Fact]
    public async Task ClaimedAhead_ItsLeadComesWhileTheSlotIsTaken_WaitsForIt_BeforeARunClaimedLater()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", Flow);
        var release = Path.Combine(Path.GetTempPath(), $"bosun-ahead-{Guid.NewGuid():N}");
        var holding = await client.CommandDeploymentAsync("proc",
            FakeFlow.Shell($"{FakeFlow.Propose("RUNNING")}; until [ -e {release} ]; do sleep 0.1; done; {FakeFlow.Propose("COMPLETED")}"), name: "holding");
        await using var worker = await TestWorker.StartAsync(server, Options());
        var later = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddSeconds(15)));
        await client.WaitForStateAsync(later.Id, s => s.Type == StateType.Pending, "the worker claimed the later run ahead");
        var holder = await client.CreateFlowRunAsync(holding.Id, new FlowRunCreate());
        await client.WaitForStateAsync(holder.Id, s => s.Type == StateType.Running, "the run due now holds the one slot");

        // The later run's lead comes while the slot is taken: it waits for it, with nothing created.
        await Eventually.WaitUntilAsync(async () => (await client.LogsAsync(later.Id)).Any(l => l.Message == $"Its time has come; waiting for a free slot of worker '{worker.Options.Name}' (limit 1) to start it."),
            "the later run waits for the slot", TimeSpan.FromSeconds(60));
        Assert.Null((await client.GetFlowRunAsync(later.Id)).InfrastructureId);
        // A run due now, created while it waits, comes after it.
        var next = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await File.WriteAllTextAsync(release, "");
        try
        {
            var holderDone = await client.WaitForTerminalAsync(holder.Id);
            var laterDone = await client.WaitForTerminalAsync(later.Id, TimeSpan.FromSeconds(120));
            var nextDone = await client.WaitForTerminalAsync(next.Id, TimeSpan.FromSeconds(120));

            Assert.Equal((StateType.Completed, StateType.Completed, StateType.Completed), (holderDone.State.Type, laterDone.State.Type, nextDone.State.Type));
            var created = Assert.Single(await client.FinalLogsAsync(later.Id), l => l.Message.StartsWith("Started process infrastructure", StringComparison.Ordinal));
            Assert.True(created.Timestamp >= holderDone.EndTime, $"the later run's process started at {created.Timestamp:O}, before the slot's holder ended at {holderDone.EndTime:O}");
            Assert.True(nextDone.StartTime >= laterDone.EndTime, $"the run created while the later one waited started at {nextDone.StartTime:O}, before the later one ended at {laterDone.EndTime:O}");
        }
        finally
        {
            File.Delete(release);
        }
    }

    [Fact]
    public async Task ClaimedAhead_WorkerStopsBeforeItsTime_HandedBackToItsQueueNothingStarted()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", Flow);
        var worker = await TestWorker.StartAsync(server, Options());
        var later = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(1)));
        // Received, not only claimed: a claim stopped on its way hands its runs back for another reason (LostClaimAnswerTests).
        await Eventually.WaitUntilAsync(async () => (await client.LogsAsync(later.Id)).Any(l => l.Message.Contains("claimed this run ahead of its time", StringComparison.Ordinal)),
            "the worker received the run it claimed ahead");

        await worker.DisposeAsync();

        var back = await client.GetFlowRunAsync(later.Id);
        Assert.Equal((StateType.Scheduled, "handed back: its worker stopped before the run's time"), (back.State.Type, back.State.Message));
        Assert.Equal(later.ExpectedStartTime, back.NextScheduledStartTime);
        Assert.Null(back.InfrastructureId);
        var logs = await Eventually.ValueAsync(() => client.LogsAsync(later.Id),
            lines => lines.Any(l => l.Source == LogSource.Worker && l.Message.Contains("stopped before the run's time; nothing was created for it", StringComparison.Ordinal)),
            "the run's log says why it went back");
        Assert.DoesNotContain(logs, l => l.Message.StartsWith("Started process infrastructure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClaimedAhead_CancelledBeforeItsTime_CancelledNothingStarted_ItsSlotNeverTaken()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("proc");
        var deployment = await client.CommandDeploymentAsync("proc", Flow);
        await using var worker = await TestWorker.StartAsync(server, Options());
        var later = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(1)));
        await client.WaitForStateAsync(later.Id, s => s.Type == StateType.Pending, "the worker claimed the run ahead");

        Assert.Equal(StateType.Cancelling, (await client.CancelFlowRunAsync(later.Id)).State.Type);
        var done = await client.WaitForTerminalAsync(later.Id);

        Assert.Equal((StateType.Cancelled, "cancelled: no infrastructure was started for it"), (done.State.Type, done.State.Message));
        Assert.Null(done.InfrastructureId);
        var logs = await Eventually.ValueAsync(() => client.LogsAsync(later.Id),
            lines => lines.Any(l => l.Source == LogSource.Worker && l.Message == "Not started: the run was cancelled before its infrastructure was created."),
            "the run's log says it was cancelled before it started");
        Assert.DoesNotContain(logs, l => l.Message.StartsWith("Started process infrastructure", StringComparison.Ordinal));
        // The worker's one slot was never taken: a run due now still runs.
        var now = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.Equal(StateType.Completed, (await client.WaitForTerminalAsync(now.Id)).State.Type);
    }
}
