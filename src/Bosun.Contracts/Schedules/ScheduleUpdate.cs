using System.Text.Json.Serialization;

namespace Bosun.Contracts.Schedules;

/// <summary>Pauses (inactive) or resumes (active) a schedule.</summary>
/// <param name="Active">Whether it creates runs.</param>
public sealed record ScheduleUpdate([property: JsonRequired] bool Active);
