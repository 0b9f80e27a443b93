using System.Text.Json.Serialization;

namespace Bosun.Contracts.Deployments;

/// <summary>
/// What happens to a run that has not reached RUNNING within its start timeout of its scheduled time (no worker, a full
/// limit, infrastructure that never started); the run's waiting reason at that moment goes into its state message.
/// </summary>
[JsonConverter(typeof(NamedEnumConverter<StartTimeoutAction>))]
public enum StartTimeoutAction
{
    /// <summary>
    /// The run ends FAILED "StartTimedOut" (the default, as Temporal fails an activity past its schedule-to-start timeout):
    /// a run that starts much later than planned is usually wrong, and FAILED is what alerts and automations watch.
    /// </summary>
    [JsonStringEnumMemberName("FAIL")] Fail,
    /// <summary>The run ends CANCELLED "StartTimedOut": it is not wanted any more, and nobody is alerted as for a failure.</summary>
    [JsonStringEnumMemberName("CANCEL")] Cancel,
    /// <summary>The run keeps waiting (SCHEDULED "Late", or PENDING); its state message and waiting reason say the start timeout passed.</summary>
    [JsonStringEnumMemberName("LEAVE_LATE")] LeaveLate,
}
