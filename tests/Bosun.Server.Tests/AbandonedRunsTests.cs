using Bosun.Contracts.States;
using Bosun.Server.Domain;

namespace Bosun.Server.Tests;

/// <summary>
/// Every claimed run ends (docs/behaviour.md §6.4), as a table against the one function that decides what becomes of a
/// run holding a slot whose holders may be gone. Timeouts: heartbeat 90 s, worker 90 s, late after 15 s.
/// </summary>
public sealed class AbandonedRunsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly SignsOfLife Limits = new(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(15), DateTimeOffset.MinValue);

    public sealed record Case(
        string Rule,
        StateType State,
        StateType? Becomes,
        string? Fragment = null,
        int? HeartbeatAgo = null,
        int? WorkerSeenAgo = 5,
        int? WorkerInterval = 30,
        string? Infrastructure = null,
        int StateAgo = 200,
        int DueAgo = 200,
        int? ListeningFor = null,
        string? Name = null)
    {
        public override string ToString() => Rule;
    }

    public static TheoryData<Case> Cases() => new()
    {
        // RUNNING: a run that heartbeats is its flow-run process's; one that never does is its worker's.
        new("RUNNING, heartbeat 60 s ago: alive", StateType.Running, null, HeartbeatAgo: 60),
        new("RUNNING, heartbeat 91 s ago: CRASHED", StateType.Running, StateType.Crashed, "stopped heartbeating for more than 90 s", HeartbeatAgo: 91),
        new("RUNNING, heartbeat 91 s ago, worker alive: still CRASHED", StateType.Running, StateType.Crashed, "stopped heartbeating", HeartbeatAgo: 91, WorkerSeenAgo: 1),
        new("RUNNING without heartbeat, worker alive: its worker watches it", StateType.Running, null, WorkerSeenAgo: 80),
        new("RUNNING without heartbeat, worker silent 91 s: CRASHED", StateType.Running, StateType.Crashed, "'w' has not been heard from for more than 90 s", WorkerSeenAgo: 91),
        new("RUNNING without heartbeat, worker row gone: CRASHED", StateType.Running, StateType.Crashed, "nothing watches it", WorkerSeenAgo: null, WorkerInterval: null),
        new("RUNNING without heartbeat, worker silent 100 s but announced 60 s beats: alive for 3 of them", StateType.Running, null, WorkerSeenAgo: 100, WorkerInterval: 60),
        new("RUNNING without heartbeat, worker silent 181 s with 60 s beats: CRASHED", StateType.Running, StateType.Crashed, "more than 180 s", WorkerSeenAgo: 181, WorkerInterval: 60),
        // PENDING: the claimant holds it, and so does its flow-run process once it heartbeats.
        new("PENDING, worker alive, nothing started: waits", StateType.Pending, null, WorkerSeenAgo: 10),
        new("PENDING, worker silent, no infrastructure: re-queued, Late", StateType.Pending, StateType.Scheduled, "re-queued", WorkerSeenAgo: 91, Name: StateNames.Late),
        new("PENDING, worker silent, no infrastructure, due in the future: re-queued, Scheduled", StateType.Pending, StateType.Scheduled, "had started no infrastructure",
            WorkerSeenAgo: 91, DueAgo: -300, Name: StateNames.Scheduled),
        new("PENDING, worker silent, infrastructure started, never RUNNING: CRASHED", StateType.Pending, StateType.Crashed, "never reported RUNNING",
            WorkerSeenAgo: 91, Infrastructure: "4242"),
        new("PENDING, worker silent, its flow process heartbeating (prefetched, waiting): alive", StateType.Pending, null, HeartbeatAgo: 10, WorkerSeenAgo: 500, Infrastructure: "4242"),
        new("PENDING, flow process stopped heartbeating, worker alive: CRASHED before the flow started", StateType.Pending, StateType.Crashed, "before the flow started",
            HeartbeatAgo: 91, WorkerSeenAgo: 1, Infrastructure: "4242"),
        new("PENDING served in-process, serving process and heartbeat silent, no infrastructure: re-queued", StateType.Pending, StateType.Scheduled, "re-queued",
            HeartbeatAgo: 95, WorkerSeenAgo: 95, WorkerInterval: null),
        // CANCELLING: its infrastructure is gone with its worker, or never existed.
        new("CANCELLING, infrastructure, worker alive: the worker stops it", StateType.Cancelling, null, WorkerSeenAgo: 10, Infrastructure: "c0ffee"),
        new("CANCELLING, infrastructure, worker silent: CANCELLED", StateType.Cancelling, StateType.Cancelled, "is gone with it", WorkerSeenAgo: 91, Infrastructure: "c0ffee"),
        new("CANCELLING, infrastructure, worker silent, flow process heartbeating: alive", StateType.Cancelling, null, HeartbeatAgo: 5, WorkerSeenAgo: 91, Infrastructure: "c0ffee"),
        new("CANCELLING, no infrastructure, worker silent: CANCELLED", StateType.Cancelling, StateType.Cancelled, "no infrastructure", WorkerSeenAgo: 91),
        new("CANCELLING, no infrastructure for 91 s, worker alive: CANCELLED", StateType.Cancelling, StateType.Cancelled, "no infrastructure", WorkerSeenAgo: 1, StateAgo: 91),
        new("CANCELLING, no infrastructure for 10 s, worker alive: its worker may still be submitting", StateType.Cancelling, null, WorkerSeenAgo: 1, StateAgo: 10),
        // A run awaiting its own retry is its process's: when that process goes silent, nothing would run it again.
        new("AwaitingRetry, heartbeat 91 s ago: CRASHED", StateType.Scheduled, StateType.Crashed, "while the run awaited its retry", HeartbeatAgo: 91),
        new("AwaitingRetry, heartbeat 10 s ago: its process waits to retry", StateType.Scheduled, null, HeartbeatAgo: 10),
        // Nobody is silent for longer than the server has been listening (a restart, a database outage).
        new("RUNNING, heartbeat 600 s ago, server listening for 60 s: not yet", StateType.Running, null, HeartbeatAgo: 600, ListeningFor: 60),
        new("PENDING, worker silent 600 s, server listening for 60 s: not yet", StateType.Pending, null, WorkerSeenAgo: 600, ListeningFor: 60),
        new("PENDING, worker silent 600 s, server listening for 91 s: re-queued", StateType.Pending, StateType.Scheduled, "re-queued", WorkerSeenAgo: 600, ListeningFor: 91),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_Table_FollowsTheRule(Case c)
    {
        DateTimeOffset Ago(int seconds) => Now.AddSeconds(-seconds);
        var run = new SlotHolder(c.State, Ago(c.StateAgo), Ago(c.DueAgo), c.Infrastructure, c.HeartbeatAgo is { } beat ? Ago(beat) : null,
            "w", c.WorkerSeenAgo is { } seen ? Ago(seen) : null, c.WorkerInterval);
        var limits = c.ListeningFor is { } listening ? Limits with { ListeningSince = Ago(listening) } : Limits;

        var proposal = AbandonedRuns.Decide(run, limits, Now);

        Assert.Equal(c.Becomes, proposal?.Type);
        if (c.Fragment is not null)
        {
            Assert.Contains(c.Fragment, proposal!.Message, StringComparison.Ordinal);
        }

        if (c.Name is not null)
        {
            Assert.Equal(c.Name, proposal!.Name);
            Assert.Equal(Ago(c.DueAgo), proposal.ScheduledTime);
        }
    }
}
