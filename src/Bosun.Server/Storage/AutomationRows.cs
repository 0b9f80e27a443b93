using Bosun.Contracts.Automations;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

// Rows of the automation tables as Dapper reads them.

internal sealed class AutomationRow
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool Enabled { get; set; }
    public string TriggerKind { get; set; } = "";
    public string Definition { get; set; } = "{}";
    public long Created { get; set; }
    public long Updated { get; set; }

    public Automation ToContract()
    {
        var definition = AutomationStore.ReadDefinition(Definition);
        return new Automation(Id, Name, Description, Enabled, definition.Trigger, definition.Actions, Time(Created), Time(Updated));
    }
}

/// <summary>A state change (or a run's creation, <see cref="IsCreation"/>) from the outbox, with what a rule matches on.</summary>
internal sealed class RunStateEventRow
{
    /// <summary>The row stands for the run's creation: its key is the run's id (a transition's is its state's).</summary>
    public bool IsCreation => StateId == FlowRunId;

    public Guid StateId { get; set; }
    public Guid FlowRunId { get; set; }
    public string? Type { get; set; }
    public string? StateName { get; set; }
    public string? Message { get; set; }
    public long Timestamp { get; set; }
    public string? RunName { get; set; }
    public string? Tags { get; set; }
    public Guid? DeploymentId { get; set; }
    public long? ExpectedStartTime { get; set; }
    public Guid? ParentFlowRunId { get; set; }
    public string? FlowName { get; set; }
    public string? DeploymentName { get; set; }
    public string? WorkPoolName { get; set; }
}

internal sealed class DeliveryRow
{
    public Guid Id { get; set; }
    public Guid AutomationId { get; set; }
    public Guid EventId { get; set; }
    public string EventKey { get; set; } = "";
    public int ActionIndex { get; set; }
    public string ActionKind { get; set; } = "";
    public string Status { get; set; } = "";
    public int Attempts { get; set; }
    public long NextAttempt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public long Created { get; set; }
    public long? Finished { get; set; }
    public string? Definition { get; set; }
    public string? Payload { get; set; }

    public AutomationDelivery ToContract(IReadOnlyList<DeliveryAttempt> attempts)
    {
        var status = Contracts.EnumNames.TryParse<DeliveryStatus>(Status, out var parsed) ? parsed : throw new InvalidOperationException($"Unknown delivery status '{Status}' in the store.");
        var kind = Contracts.EnumNames.TryParse<AutomationActionKind>(ActionKind, out var action) ? action : throw new InvalidOperationException($"Unknown action '{ActionKind}' in the store.");
        return new AutomationDelivery(Id, AutomationId, EventId, EventKey, ActionIndex, kind, status, Attempts, LastStatusCode, LastError,
            Time(Created), status == DeliveryStatus.Pending ? Time(NextAttempt) : null, Time(Finished), attempts);
    }
}

internal sealed class AttemptRow
{
    public Guid DeliveryId { get; set; }
    public int Attempt { get; set; }
    public long Started { get; set; }
    public long DurationMs { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }

    public DeliveryAttempt ToContract() => new(Attempt, Time(Started), DurationMs, StatusCode, Error);
}
