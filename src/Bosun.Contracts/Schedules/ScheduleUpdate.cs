namespace Bosun.Contracts.Schedules;

/// <summary>Pauses (inactive) or resumes (active) a schedule.</summary>
/// <param name="Active">Whether it creates runs.</param>
public sealed record ScheduleUpdate(bool Active);
