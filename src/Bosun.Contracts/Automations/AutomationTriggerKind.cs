using System.Text.Json.Serialization;

namespace Bosun.Contracts.Automations;

/// <summary>What an automation watches.</summary>
[JsonConverter(typeof(NamedEnumConverter<AutomationTriggerKind>))]
public enum AutomationTriggerKind
{
    /// <summary>A matching run enters one of the trigger's states.</summary>
    [JsonStringEnumMemberName("run_state")] RunState,
    /// <summary>A matching run stays Late (SCHEDULED past its time) or PENDING for more than the trigger's minutes; the event carries its waiting reason.</summary>
    [JsonStringEnumMemberName("run_waiting")] RunWaiting,
    /// <summary>A matching pool stays NOT_READY (no online worker) for more than the trigger's minutes.</summary>
    [JsonStringEnumMemberName("pool_not_ready")] PoolNotReady,
    /// <summary>A worker of a matching pool goes offline (no heartbeat within its window).</summary>
    [JsonStringEnumMemberName("worker_offline")] WorkerOffline,
    /// <summary>A schedule slot of a matching deployment is skipped by its catch-up policy.</summary>
    [JsonStringEnumMemberName("schedule_skipped")] ScheduleSkipped,
    /// <summary>A matching run is created (through the API, by a schedule, by an automation, or as a subflow); the event carries its state and due time.</summary>
    [JsonStringEnumMemberName("run_created")] RunCreated,
}
