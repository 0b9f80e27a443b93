namespace Bosun.Contracts.Automations;

/// <summary>A ledger entry: one action of one firing, with every attempt.</summary>
/// <param name="Id">Identifier; also the Idempotency-Key header of its webhook requests.</param>
/// <param name="AutomationId">The automation.</param>
/// <param name="EventId">The firing (several actions of one firing share it).</param>
/// <param name="EventKey">What fired it, e.g. <c>run_state:&lt;state id&gt;</c>.</param>
/// <param name="ActionIndex">The action's position in the automation (0-based).</param>
/// <param name="ActionKind">The action's kind.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Attempts">How many tries so far.</param>
/// <param name="LastStatusCode">The last HTTP status answered, if any.</param>
/// <param name="LastError">The last error, if any.</param>
/// <param name="Created">When the automation fired.</param>
/// <param name="NextAttempt">When it is next tried (while pending).</param>
/// <param name="Finished">When it was delivered or given up.</param>
/// <param name="AttemptLog">Every try, oldest first.</param>
public sealed record AutomationDelivery(
    Guid Id,
    Guid AutomationId,
    Guid EventId,
    string EventKey,
    int ActionIndex,
    AutomationActionKind ActionKind,
    DeliveryStatus Status,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset Created,
    DateTimeOffset? NextAttempt,
    DateTimeOffset? Finished,
    IReadOnlyList<DeliveryAttempt> AttemptLog);
