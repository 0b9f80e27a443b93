using Bosun.Contracts.Schedules;

namespace Bosun.Server.Domain;

/// <summary>
/// Schedules keep their word after an outage (docs/behaviour.md §8.3), one rule for every outage length. A slot is
/// <em>missed</em> when its time passed more than the grace ago and its run has not started. ALL runs every slot once;
/// SKIP skips every missed slot; LATEST, once a schedule has a missed slot, runs only its most recent due slot. The
/// scheduler applies it to the runs and slots it finds (also once before a restarted server listens), and the claim to
/// each run it would hand out, so that no worker takes a run the policy skips.
/// </summary>
internal static class CatchUp
{
    /// <summary>Most skipped times one plan keeps with their times (all are counted).</summary>
    public const int RecordedPerPlan = 100;

    /// <summary>
    /// Whether a claim skips a due run of a schedule instead of handing it out: under SKIP when it was missed; under
    /// LATEST when the schedule has a missed slot (its <paramref name="earliestWaiting"/> due run is missed) and a later
    /// slot is due too (<paramref name="latestDue"/>, the latest due run, waiting or started).
    /// </summary>
    public static bool SkipsAtClaim(CatchUpPolicy policy, DateTimeOffset due, DateTimeOffset? earliestWaiting, DateTimeOffset? latestDue, DateTimeOffset missedBefore) =>
        policy switch
        {
            CatchUpPolicy.Skip => due < missedBefore,
            CatchUpPolicy.Latest => earliestWaiting < missedBefore && due < latestDue,
            _ => false,
        };

    /// <summary>
    /// What the scheduler does with a schedule's slots since it last looked (<paramref name="slotsSinceLast"/>: times it
    /// never made a run for, ascending, none after now) and with its runs still waiting that were missed
    /// (<paramref name="waitingMissed"/>, ascending): the slots to make runs for (at most <paramref name="budget"/>), the
    /// runs and slots to skip, and the last slot handled (the scheduler goes on from there next time). The slot LATEST
    /// keeps is skipped too when a later one already started (<paramref name="latestStarted"/>): it would run stale.
    /// </summary>
    public static CatchUpPlan Plan(
        CatchUpPolicy policy, IEnumerable<DateTimeOffset> slotsSinceLast, IReadOnlyList<(Guid Id, DateTimeOffset Due)> waitingMissed, DateTimeOffset missedBefore, int budget,
        DateTimeOffset? latestStarted = null)
    {
        var create = new List<DateTimeOffset>();
        var skippedSlots = new Queue<DateTimeOffset>();
        var skippedSlotCount = 0;
        DateTimeOffset? latestMissedSlot = null;
        DateTimeOffset? handled = null;
        foreach (var slot in slotsSinceLast)
        {
            if (slot >= missedBefore || policy == CatchUpPolicy.All)
            {
                if (create.Count >= budget)
                {
                    break;
                }

                create.Add(slot);
            }
            else
            {
                if (latestMissedSlot is { } previous)
                {
                    Skip(previous);
                }

                latestMissedSlot = slot;
            }

            handled = slot;
        }

        var skipRuns = policy == CatchUpPolicy.All ? [] : waitingMissed.Select(run => run.Id).ToList();
        DateTimeOffset? latestRun = waitingMissed.Count > 0 ? waitingMissed[^1].Due : null;
        var keepsSlot = policy == CatchUpPolicy.Latest && latestMissedSlot > (latestRun ?? DateTimeOffset.MinValue) && !(latestStarted >= latestMissedSlot);
        if (latestMissedSlot is { } latest)
        {
            if (keepsSlot)
            {
                // The slot LATEST keeps is made even past the budget: skipping it too would run nothing.
                create.Insert(create.TakeWhile(time => time < latest).Count(), latest);
            }
            else
            {
                Skip(latest);
            }
        }

        if (policy == CatchUpPolicy.Latest && latestRun is { } kept && !(latestStarted >= kept) && !(latestMissedSlot > kept))
        {
            skipRuns.RemoveAt(skipRuns.Count - 1);
        }

        return new CatchUpPlan(create, skipRuns, skippedSlots.ToList(), skippedSlotCount, handled);

        void Skip(DateTimeOffset slot)
        {
            skippedSlotCount++;
            skippedSlots.Enqueue(slot);
            if (skippedSlots.Count > RecordedPerPlan)
            {
                skippedSlots.Dequeue();
            }
        }
    }
}
