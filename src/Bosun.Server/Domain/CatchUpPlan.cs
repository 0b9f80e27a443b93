namespace Bosun.Server.Domain;

/// <summary>The scheduler's plan for one schedule's slots (<see cref="CatchUp.Plan"/>).</summary>
/// <param name="Create">Slots to make runs for, ascending.</param>
/// <param name="SkipRuns">Waiting runs to skip.</param>
/// <param name="SkipSlots">Slots that get no run, the latest <see cref="CatchUp.RecordedPerPlan"/> of them.</param>
/// <param name="SkippedSlotCount">How many slots get no run.</param>
/// <param name="HandledUntil">The last slot made or skipped; null when none.</param>
internal sealed record CatchUpPlan(
    IReadOnlyList<DateTimeOffset> Create, IReadOnlyList<Guid> SkipRuns, IReadOnlyList<DateTimeOffset> SkipSlots, int SkippedSlotCount, DateTimeOffset? HandledUntil);
