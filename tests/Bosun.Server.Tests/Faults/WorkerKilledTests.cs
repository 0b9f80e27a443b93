using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests.Faults;

/// <summary>
/// A real `bosun worker start` SIGKILLed while it holds a run (docs/behaviour.md §6.4): the server's sweep ends the run
/// within 3× the worker timeout, as the state it was in says, and no slot stays held. On both stores (BOSUN_TEST_STORE).
/// </summary>
public sealed class WorkerKilledTests
{
    private static readonly TimeSpan Deadline = 3 * WorkerFault.WorkerTimeout;

    [Fact]
    public async Task Worker_KilledWhileItsPrefetchedRunIsPending_RunRequeuedAndAnotherWorkerRunsIt()
    {
        await using var fault = await WorkerFault.StartAsync();
        var deployment = await fault.DeploymentAsync($"{WorkerFault.UntilRunning()}; {FakeFlow.Propose("COMPLETED")}");
        var first = await fault.StartWorkerAsync("first", prefetchSeconds: 300);

        // A run due in 120 s: the worker claims it ahead (prefetch) and holds it PENDING, starting nothing until it is due.
        // The kill must come before the due time: on a loaded machine (load average 140 in one CI run) the claim and
        // the reads before the kill took more than 45 s once, and the worker had started the run by then (it was then
        // CRASHED, rightly, as a run whose infrastructure started but never reported RUNNING).
        var due = await fault.Client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddSeconds(120));
        var run = await fault.RunWhenAsync(due.Id, r => r.State.Type == StateType.Pending, "the worker claimed the run ahead");
        Assert.Null(run.InfrastructureId);
        await Signals.SendAsync(first.Id, "KILL");
        var killed = TimeProvider.System.GetUtcNow();
        await fault.StartWorkerAsync("second", prefetchSeconds: 300);

        var history = await Eventually.ValueAsync(() => fault.Client.GetFlowRunStatesAsync(run.Id),
            states => states.Any(s => s.Type == StateType.Scheduled && s.Message?.Contains("re-queued", StringComparison.Ordinal) == true),
            "the run was re-queued", Deadline + TimeSpan.FromSeconds(5));
        var requeued = history.Last(s => s.Type == StateType.Scheduled);
        Assert.True(requeued.Timestamp - killed <= Deadline, $"re-queued {(requeued.Timestamp - killed).TotalSeconds:0.0} s after the kill");
        Assert.Contains("'first' has not been heard from", requeued.Message, StringComparison.Ordinal);

        var completed = await fault.RunWhenAsync(run.Id, r => r.State.Type.IsTerminal(), "the run ended once due", TimeSpan.FromSeconds(240));
        Assert.Equal((StateType.Completed, "second"), (completed.State.Type, completed.WorkerName));
        Assert.Contains((await fault.Client.ReadLogsAsync(run.Id)).Items, l => l.Source == Contracts.Logs.LogSource.Server && l.Message.Contains("PENDING to SCHEDULED", StringComparison.Ordinal));
        await fault.AssertNoSlotHeldAsync(deployment);
    }

    [Fact]
    public async Task Worker_KilledWhileItsRunIsCancelling_RunCancelled()
    {
        await using var fault = await WorkerFault.StartAsync();
        var deployment = await fault.DeploymentAsync($"{FakeFlow.Propose("RUNNING")}; sleep 300");
        var worker = await fault.StartWorkerAsync("only");
        var run = await fault.Client.RunAsync(deployment);
        var running = await fault.RunWhenAsync(run.Id, r => r.State.Type == StateType.Running && r.InfrastructureId is not null, "the run is RUNNING");

        // Stopped, the worker cannot act on the cancellation; then it dies. Its flow process (its own session) lives on.
        await Signals.SendAsync(worker.Id, "STOP");
        Assert.Equal(StateType.Cancelling, (await fault.Client.CancelFlowRunAsync(run.Id)).State.Type);
        await Signals.SendAsync(worker.Id, "KILL");
        var killed = TimeProvider.System.GetUtcNow();
        try
        {
            var cancelled = await fault.RunWhenAsync(run.Id, r => r.State.Type.IsTerminal(), "the run ended", Deadline + TimeSpan.FromSeconds(5));

            Assert.Equal(StateType.Cancelled, cancelled.State.Type);
            Assert.Contains("'only' has not been heard from", cancelled.State.Message, StringComparison.Ordinal);
            Assert.True(cancelled.EndTime - killed <= Deadline, $"cancelled {(cancelled.EndTime - killed)?.TotalSeconds:0.0} s after the kill");
            await fault.AssertNoSlotHeldAsync(deployment);
        }
        finally
        {
            await Signals.SendAsync(int.Parse(running.InfrastructureId!, System.Globalization.CultureInfo.InvariantCulture), "KILL", group: true);
        }
    }

    [Fact]
    public async Task Worker_KilledWhileItsRunRunsWithoutHeartbeat_RunCrashed()
    {
        await using var fault = await WorkerFault.StartAsync();
        var deployment = await fault.DeploymentAsync($"{FakeFlow.Propose("RUNNING")}; sleep 300");
        var worker = await fault.StartWorkerAsync("only");
        var run = await fault.Client.RunAsync(deployment);
        var running = await fault.RunWhenAsync(run.Id, r => r.State.Type == StateType.Running && r.InfrastructureId is not null, "the run is RUNNING");

        await Signals.SendAsync(worker.Id, "KILL");
        var killed = TimeProvider.System.GetUtcNow();
        try
        {
            var crashed = await fault.RunWhenAsync(run.Id, r => r.State.Type.IsTerminal(), "the run ended", Deadline + TimeSpan.FromSeconds(5));

            Assert.Equal(StateType.Crashed, crashed.State.Type);
            Assert.True(crashed.EndTime - killed <= Deadline, $"crashed {(crashed.EndTime - killed)?.TotalSeconds:0.0} s after the kill");
            await fault.AssertNoSlotHeldAsync(deployment);
        }
        finally
        {
            await Signals.SendAsync(int.Parse(running.InfrastructureId!, System.Globalization.CultureInfo.InvariantCulture), "KILL", group: true);
        }
    }
}
