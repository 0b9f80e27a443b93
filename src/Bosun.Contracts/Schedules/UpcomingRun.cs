namespace Bosun.Contracts.Schedules;

/// <summary>A time a deployment's schedules will start a run.</summary>
/// <param name="ScheduledTime">When, in UTC.</param>
/// <param name="LocalTime">The same moment in the schedule's time zone, as wall-clock text with its offset.</param>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="Timezone">The schedule's time zone.</param>
/// <param name="DstChange">True when the UTC offset differs from the previous run's: the run falls across a daylight-saving change.</param>
public sealed record UpcomingRun(DateTimeOffset ScheduledTime, string LocalTime, Guid ScheduleId, string Timezone, bool DstChange);
