using System.Globalization;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// The server goes away just after a RUNNING run was asked to cancel (CANCELLING), before its worker or flow process
/// could act on it (both are stopped with SIGSTOP around the cancellation and the server's stop, so that neither can see
/// it first), and comes back 30 s later: the run must end CANCELLED once the server is back — not CRASHED, not
/// left CANCELLING holding its slot — and the flow must not have run to its end.
/// </summary>
public sealed class ServerAwayWhileCancellingTests
{
    [Fact]
    public Task ServerAway_WhileARunIsCancelling_RunCancelledWhenItIsBack() => Stores.EachAsync(async postgres =>
    {
        await using var scenario = await FaultScenario.StartAsync(postgres, ServerOutageTests.LongZombieThreshold);
        var run = await scenario.StartRunHeldAtGateAsync();

        var flowProcess = int.Parse(run.InfrastructureId!, CultureInfo.InvariantCulture);
        await Signals.SendAsync(scenario.Worker.Id, "STOP");
        await Signals.SendAsync(flowProcess, "STOP", group: true);
        Assert.Equal(StateType.Cancelling, (await scenario.Server.Client.CancelFlowRunAsync(run.Id)).State.Type);
        await scenario.Server.StopAsync();
        await Signals.SendAsync(flowProcess, "CONT", group: true);
        await Signals.SendAsync(scenario.Worker.Id, "CONT");
        // The fault itself: half a minute without a server while the run is CANCELLING.
        await Task.Delay(TimeSpan.FromSeconds(30));
        var back = TimeProvider.System.GetUtcNow();
        await scenario.Server.RestartAsync();

        var (done, _) = await scenario.WaitForFinalStateAsync(run.Id, TimeSpan.FromSeconds(120));
        Assert.Equal(StateType.Cancelled, done.State.Type);
        Assert.False(scenario.FlowReturned, "the flow ran to its end instead of being stopped");
        Assert.True(done.EndTime >= back - TimeSpan.FromSeconds(1),
            $"the run ended at {done.EndTime:O}, before the server came back at {back:O}: the outage was not exercised");
        Assert.Equal(0, (await scenario.Server.Client.GetWorkPoolAsync("faults")).SlotsInUse);
    });
}
