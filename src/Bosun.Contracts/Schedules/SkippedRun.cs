namespace Bosun.Contracts.Schedules;

/// <summary>A scheduled time whose run the deployment's catch-up policy skipped: it was missed during an outage.</summary>
/// <param name="ScheduledTime">When the run was due.</param>
/// <param name="ScheduleId">The schedule it belonged to.</param>
/// <param name="FlowRunId">The skipped run (now CANCELLED, named Skipped); null when the slot was missed while the server was down and never had a run.</param>
/// <param name="CatchUp">The policy that skipped it.</param>
/// <param name="SkippedAt">When it was skipped.</param>
public sealed record SkippedRun(DateTimeOffset ScheduledTime, Guid? ScheduleId, Guid? FlowRunId, CatchUpPolicy CatchUp, DateTimeOffset SkippedAt);
