using System.Globalization;
using Bosun.Contracts.States;

namespace Bosun.Server.Domain;

/// <summary>
/// Every claimed run ends (docs/behaviour.md §6.4): what becomes of a run holding a slot whose holders went silent, as one
/// pure function tested as a table. A run that heartbeats is held by its flow-run process; a PENDING run, a run that
/// never heartbeats and a CANCELLING run are held by their claimant too, whose silence is judged on its heartbeat (a
/// worker) or its poll (a serving process).
/// </summary>
internal static class AbandonedRuns
{
    /// <summary>The state the run moves to, or null while someone still holds it.</summary>
    public static StateProposal? Decide(SlotHolder run, SignsOfLife limits, DateTimeOffset now)
    {
        var heartbeats = run.LastHeartbeat is not null;
        var processSilent = heartbeats && Silent(run.LastHeartbeat, limits.HeartbeatTimeout, limits, now);
        var claimantTimeout = TimeSpan.FromSeconds(Math.Max(limits.WorkerTimeout.TotalSeconds, 3.0 * (run.ClaimantIntervalSeconds ?? 0)));
        var claimantSilent = Silent(run.ClaimantSeen, claimantTimeout, limits, now);
        var claimant = run.Claimant is null ? "its claimant" : $"'{run.Claimant}'";
        var silence = $"{claimant} has not been heard from for more than {Seconds(claimantTimeout)}";
        var stopped = $"its flow-run process stopped heartbeating for more than {Seconds(limits.HeartbeatTimeout)}";
        switch (run.State)
        {
            case StateType.Running when heartbeats:
                return processSilent ? Crashed($"{stopped} (its worker or machine died)") : null;

            case StateType.Running:
                return claimantSilent ? Crashed($"{silence} and the run does not heartbeat: nothing watches it any more") : null;

            case StateType.Pending when heartbeats ? !processSilent : !claimantSilent:
                return null;

            case StateType.Pending when !claimantSilent:
                return Crashed($"{stopped} before the flow started");

            case StateType.Pending when run.InfrastructureId is { } infrastructure:
                return Crashed($"{silence}; its infrastructure {infrastructure} was started but the run never reported RUNNING");

            case StateType.Pending:
                var name = run.Due < now - limits.LateRunThreshold ? StateNames.Late : StateNames.Scheduled;
                return new StateProposal(StateType.Scheduled, name,
                    $"re-queued: {silence} and had started no infrastructure for it", ScheduledTime: run.Due);

            // Only a run awaiting its own retry comes here SCHEDULED: the process that was to run it again is gone.
            case StateType.Scheduled when heartbeats && processSilent:
                return Crashed($"{stopped} while the run awaited its retry");

            case StateType.Cancelling when heartbeats && !processSilent:
                return null;

            case StateType.Cancelling when run.InfrastructureId is { } infrastructure:
                return claimantSilent ? Cancelled($"{silence}: its infrastructure {infrastructure} is gone with it") : null;

            case StateType.Cancelling:
                return claimantSilent || Silent(run.StateSince, limits.WorkerTimeout, limits, now)
                    ? Cancelled("no infrastructure was started for it")
                    : null;

            default:
                return null;
        }
    }

    /// <summary>Whether nothing was heard since <paramref name="last"/> for longer than <paramref name="timeout"/>, counting only the time the server listened.</summary>
    private static bool Silent(DateTimeOffset? last, TimeSpan timeout, SignsOfLife limits, DateTimeOffset now)
    {
        var heard = last is { } at && at > limits.ListeningSince ? at : limits.ListeningSince;
        return heard < now - timeout;
    }

    private static StateProposal Crashed(string message) => new(StateType.Crashed, Message: message);

    private static StateProposal Cancelled(string message) => new(StateType.Cancelled, Message: $"cancelled: {message}");

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
}
