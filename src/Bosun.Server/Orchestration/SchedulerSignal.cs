namespace Bosun.Server.Orchestration;

/// <summary>A deployment or schedule changed: the scheduler looks now instead of at its next tick.</summary>
internal sealed class SchedulerSignal : ChangeSignal;
