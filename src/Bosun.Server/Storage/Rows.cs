using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Domain;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

// Rows as Dapper reads them (snake_case columns), each with its mapping to the contract type.

internal sealed class WorkPoolRow
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Type { get; set; } = "";
    public string? Description { get; set; }
    public string BaseJobTemplate { get; set; } = "{}";
    public string? JobVariablePolicy { get; set; }
    public bool Paused { get; set; }
    public int? ConcurrencyLimit { get; set; }
    public long Created { get; set; }
    public long Updated { get; set; }
    public int SlotsInUse { get; set; }
    public int QueueCount { get; set; }
    public int OnlineWorkers { get; set; }

    public WorkPool ToContract() => new(
        Id, Name, Type, Description, Object(BaseJobTemplate), Paused, ConcurrencyLimit,
        Paused ? ReadinessStatus.Paused : OnlineWorkers > 0 ? ReadinessStatus.Ready : ReadinessStatus.NotReady,
        SlotsInUse, QueueCount, OnlineWorkers, Time(Created), Time(Updated))
    {
        JobVariablePolicy = Policy(JobVariablePolicy),
    };
}

internal sealed class WorkQueueRow
{
    public Guid Id { get; set; }
    public Guid WorkPoolId { get; set; }
    public string WorkPoolName { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public int Priority { get; set; }
    public int? ConcurrencyLimit { get; set; }
    public bool Paused { get; set; }
    public long? LastPolled { get; set; }
    public int SlotsInUse { get; set; }
    public int LateRuns { get; set; }

    public WorkQueue ToContract(DateTimeOffset now) => new(
        Id, WorkPoolName, Name, Description, Priority, ConcurrencyLimit, Paused, Time(LastPolled),
        Statuses.QueueStatus(Paused, Time(LastPolled), now), SlotsInUse, LateRuns);
}

internal class WorkerRow
{
    public Guid Id { get; set; }
    public string WorkPoolName { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Type { get; set; }
    public long LastHeartbeat { get; set; }
    public int HeartbeatIntervalSeconds { get; set; }
    public long Created { get; set; }

    public Worker ToContract(DateTimeOffset now) => new(
        Id, WorkPoolName, Name, Type, Time(LastHeartbeat), HeartbeatIntervalSeconds,
        Statuses.WorkerStatus(Time(LastHeartbeat), HeartbeatIntervalSeconds, now), Time(Created));
}

internal sealed class DeploymentRow
{
    public Guid Id { get; set; }
    public Guid FlowId { get; set; }
    public string FlowName { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Entrypoint { get; set; }
    public string Parameters { get; set; } = "{}";
    public string? ParameterSchema { get; set; }
    public Guid? WorkPoolId { get; set; }
    public string? WorkPoolName { get; set; }
    public Guid? WorkQueueId { get; set; }
    public string? WorkQueueName { get; set; }
    public string JobVariables { get; set; } = "{}";
    public string? PolicyExemptions { get; set; }
    public string Tags { get; set; } = "[]";
    public string? Description { get; set; }
    public string? Version { get; set; }
    public bool Paused { get; set; }
    public int? ConcurrencyLimit { get; set; }
    public string CollisionStrategy { get; set; } = "ENQUEUE";
    public long? LastPolled { get; set; }
    public long? QueueLastPolled { get; set; }
    public int Retries { get; set; }
    public int RetryDelaySeconds { get; set; }
    public string CatchUp { get; set; } = "ALL";
    public string? PullSteps { get; set; }
    public int SkippedRuns { get; set; }
    public long? LastSkippedTime { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int CrashRetries { get; set; }
    public int CrashRetryDelaySeconds { get; set; }
    public int? StartTimeoutSeconds { get; set; }
    public string? StartTimeoutAction { get; set; }
    public long Created { get; set; }
    public long Updated { get; set; }

    public Contracts.Schedules.CatchUpPolicy CatchUpPolicy =>
        Contracts.EnumNames.TryParse<Contracts.Schedules.CatchUpPolicy>(CatchUp, out var policy) ? policy : Contracts.Schedules.CatchUpPolicy.All;

    public CollisionStrategy Strategy =>
        Contracts.EnumNames.TryParse<CollisionStrategy>(CollisionStrategy, out var strategy) ? strategy : Contracts.Deployments.CollisionStrategy.Enqueue;

    public DateTimeOffset? EffectiveLastPolled => Time(Math.Max(LastPolled ?? 0, QueueLastPolled ?? 0) is var ms && ms > 0 ? ms : null);

    public Deployment ToContract(
        DateTimeOffset now, IReadOnlyList<Contracts.Schedules.DeploymentSchedule> schedules, IReadOnlyList<Contracts.Schedules.SkippedRun>? recentSkipped = null) => new(
        Id, FlowId, FlowName, Name, Entrypoint, Object(Parameters), ObjectOrNull(ParameterSchema), WorkPoolName,
        WorkQueueName, Object(JobVariables), TagList(Tags), Description, Version, Paused, ConcurrencyLimit, Strategy,
        Statuses.DeploymentStatus(EffectiveLastPolled, now), EffectiveLastPolled, Retries, RetryDelaySeconds, schedules, CatchUpPolicy,
        SkippedRuns, Time(LastSkippedTime), Time(Created), Time(Updated), recentSkipped, TimeoutSeconds, CrashRetries, CrashRetryDelaySeconds)
    {
        PolicyExemptions = ObjectOrNull(PolicyExemptions),
        PullSteps = PullSteps is null ? null : JsonNode.Parse(PullSteps) as JsonArray,
        StartTimeoutSeconds = StartTimeoutSeconds,
        StartTimeoutAction = StartTimeouts.Parse(StartTimeoutAction),
    };
}

internal sealed class FlowRunRow
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public Guid FlowId { get; set; }
    public string FlowName { get; set; } = "";
    public Guid? DeploymentId { get; set; }
    public string? DeploymentName { get; set; }
    public int? DeploymentConcurrencyLimit { get; set; }
    public string? DeploymentCollisionStrategy { get; set; }
    public Guid? WorkPoolId { get; set; }
    public string? WorkPoolName { get; set; }
    public Guid? WorkQueueId { get; set; }
    public string? WorkQueueName { get; set; }
    public string Parameters { get; set; } = "{}";
    public string JobVariables { get; set; } = "{}";
    public string Tags { get; set; } = "[]";
    public Guid StateId { get; set; }
    public string StateType { get; set; } = "";
    public string StateName { get; set; } = "";
    public string? StateMessage { get; set; }
    public long StateTimestamp { get; set; }
    public long? StateScheduledTime { get; set; }
    public long ExpectedStartTime { get; set; }

    /// <summary>When the run is due (ms): its state's scheduled time (a SCHEDULED run's, or the one a claimed PENDING run keeps), else when it was first due.</summary>
    public long DueMs => StateScheduledTime ?? ExpectedStartTime;

    public long? NextScheduledStartTime { get; set; }
    public long? StartTime { get; set; }
    public long? EndTime { get; set; }
    public long TotalRunTimeMs { get; set; }
    public int RunCount { get; set; }
    public string? InfrastructureId { get; set; }
    public string? InfrastructureWaitingReason { get; set; }
    public string? WorkerName { get; set; }
    public string? IdempotencyKey { get; set; }
    public int Retries { get; set; }
    public int RetryDelaySeconds { get; set; }
    public Guid? ScheduleId { get; set; }
    public string? DeploymentCatchUp { get; set; }
    public long? LastHeartbeat { get; set; }
    public int? TimeoutSeconds { get; set; }
    public int CrashRetryCount { get; set; }
    public int DeploymentCrashRetries { get; set; }
    public int DeploymentCrashRetryDelaySeconds { get; set; }
    public int? StartTimeoutSeconds { get; set; }
    public string? StartTimeoutAction { get; set; }
    public long? StartTimeoutFiredFor { get; set; }
    public string? Traceparent { get; set; }
    public long Created { get; set; }
    public long Updated { get; set; }
    public Guid? ParentFlowRunId { get; set; }
    public Guid? ParentTaskRunId { get; set; }
    public string? PauseInputSchema { get; set; }
    public long? PauseTimeout { get; set; }
    public string? ResumeInput { get; set; }
    public string? PauseKey { get; set; }
    public string? SuspendInputs { get; set; }

    /// <summary>How many times the run was resumed from a suspension (read only with a FAILED proposal; null when not read).</summary>
    public long? ResumeCount { get; set; }

    /// <summary>How many states carry the proposal's transition id (read only with a proposal that has one; null when not read).</summary>
    public long? TransitionSeen { get; set; }

    public FlowRunState State => new(
        StateId, StoredValues.State(StateType), StateName, StateMessage, Time(StateTimestamp), Time(StateScheduledTime));

    public FlowRun ToContract(string? waitingReason) => new(
        Id, Name, FlowName, DeploymentId, DeploymentName, WorkPoolName, WorkQueueName, Object(Parameters),
        Object(JobVariables), TagList(Tags), State, Time(ExpectedStartTime), Time(NextScheduledStartTime),
        Time(StartTime), Time(EndTime), TotalRunTimeMs / 1000.0, RunCount, InfrastructureId, WorkerName,
        IdempotencyKey, Retries, RetryDelaySeconds, Time(LastHeartbeat), waitingReason, Time(Created), Time(Updated),
        ParentFlowRunId, ParentTaskRunId, ObjectOrNull(PauseInputSchema), Time(PauseTimeout), ObjectOrNull(ResumeInput))
    {
        StartTimeoutSeconds = StartTimeoutSeconds,
        StartTimeoutAction = StartTimeoutSeconds is null ? null : StartTimeouts.Parse(StartTimeoutAction),
        Traceparent = Traceparent,
        SuspendInputs = ObjectOrNull(SuspendInputs),
    };

    public FlowRunSummary ToSummary() => new(
        Id, Name, FlowName, DeploymentName, WorkPoolName, WorkQueueName, State, Time(ExpectedStartTime),
        Time(StartTime), Time(EndTime), TotalRunTimeMs / 1000.0, WorkerName, TagList(Tags), ParentFlowRunId);
}

internal sealed class StateRow
{
    public Guid Id { get; set; }
    public string Type { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Message { get; set; }
    public long Timestamp { get; set; }
    public long? ScheduledTime { get; set; }

    public FlowRunState ToContract() => new(Id, StoredValues.State(Type), Name, Message, Time(Timestamp), Time(ScheduledTime));
}

internal sealed class ScheduleRow
{
    public Guid Id { get; set; }
    public Guid DeploymentId { get; set; }
    public string Kind { get; set; } = "";
    public string? Cron { get; set; }
    public double? IntervalSeconds { get; set; }
    public long? Anchor { get; set; }
    public string? Rrule { get; set; }
    public string Timezone { get; set; } = "UTC";
    public bool Active { get; set; }
    public string Parameters { get; set; } = "{}";
    public long? LastScheduledTime { get; set; }
    public int SkippedRuns { get; set; }
    public long Created { get; set; }
    public long Updated { get; set; }

    public ScheduleDefinition Definition =>
        new(Id, Kind, Cron, IntervalSeconds, Time(Anchor ?? Created), Rrule, Timezone);

    public Contracts.Schedules.DeploymentSchedule ToContract() => new(
        Id, DeploymentId, Kind, Cron, IntervalSeconds, Time(Anchor), Rrule, Timezone, Active, Object(Parameters), Time(Created), Time(Updated), SkippedRuns);
}

internal sealed class ApiKeyRow
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public string Prefix { get; set; } = "";
    public string Hash { get; set; } = "";
    public bool Revoked { get; set; }
    public long? Expires { get; set; }
    public long? LastUsed { get; set; }
    public long Created { get; set; }
    public string? Pools { get; set; }

    public Contracts.Security.ApiKeyRole ParsedRole => Enum.Parse<Contracts.Security.ApiKeyRole>(Role, ignoreCase: true);

    /// <summary>The pools a worker key serves, or null for every pool.</summary>
    public IReadOnlyList<string>? PoolList => Pools is null ? null : TagList(Pools);

    public Contracts.Security.ApiKey ToContract() => new(Id, Name, ParsedRole, Prefix, Revoked, Time(Expires), Time(LastUsed), Time(Created)) { Pools = PoolList };
}

/// <summary>A web UI session (<see cref="SecurityStore.InsertSessionAsync"/>).</summary>
internal sealed class UiSessionRow
{
    public Guid Id { get; set; }
    public Guid KeyId { get; set; }
    public string KeyName { get; set; } = "";
    public long Created { get; set; }
    public long LastSeen { get; set; }
    public long Expires { get; set; }
    public long? Revoked { get; set; }

    /// <summary>Whether the session's key still works (read by the list only).</summary>
    public long KeyWorks { get; set; }

    public Contracts.Security.UiSession ToContract(DateTimeOffset now) =>
        new(Id, KeyId, KeyName, Time(Created), Time(LastSeen), Time(Expires), Time(Revoked), Revoked is null && Time(Expires) > now && KeyWorks != 0);
}

/// <summary>A run holding a slot, with what is known of its holders (<see cref="FlowRunStore.PossiblyAbandonedAsync"/>).</summary>
internal sealed class SlotHolderRow
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public string StateType { get; set; } = "";
    public long StateTimestamp { get; set; }
    public long? StateScheduledTime { get; set; }
    public long ExpectedStartTime { get; set; }
    public string? InfrastructureId { get; set; }
    public long? LastHeartbeat { get; set; }
    public string? WorkerName { get; set; }
    public long? ClaimantSeen { get; set; }
    public int? ClaimantIntervalSeconds { get; set; }

    public StateType State => StoredValues.State(StateType);

    public SlotHolder ToDomain() => new(
        State, Time(StateTimestamp), Time(StateScheduledTime ?? ExpectedStartTime), InfrastructureId, Time(LastHeartbeat),
        WorkerName, Time(ClaimantSeen), ClaimantIntervalSeconds);
}

/// <summary>A scheduled time a catch-up policy skipped.</summary>
internal sealed class SkippedRunRow
{
    public Guid DeploymentId { get; set; }
    public Guid? ScheduleId { get; set; }
    public long ScheduledTime { get; set; }
    public Guid? FlowRunId { get; set; }
    public string CatchUp { get; set; } = "";
    public long SkippedAt { get; set; }

    public Contracts.Schedules.SkippedRun ToContract() => new(
        Time(ScheduledTime), ScheduleId, FlowRunId,
        Contracts.EnumNames.TryParse<Contracts.Schedules.CatchUpPolicy>(CatchUp, out var policy) ? policy : Contracts.Schedules.CatchUpPolicy.All, Time(SkippedAt));
}

/// <summary>
/// What decides a run's delivery (<see cref="WorkPoolStore.GetDeliveryFactsAsync"/>): its pool's and queue's settings
/// (null names, not paused and no limit where there is none), its deployment's limit, its pool's online workers.
/// </summary>
internal class DeliveryFacts
{
    public string? PoolName { get; set; }
    public bool PoolPaused { get; set; }
    public int? PoolLimit { get; set; }
    public string? QueueName { get; set; }
    public bool QueuePaused { get; set; }
    public int? QueueLimit { get; set; }
    public int? DeploymentLimit { get; set; }
    public int OnlineWorkers { get; set; }
}

/// <summary>A deployment's pool template and policy, read with the delivery facts of the deployment's pool and queue.</summary>
internal sealed class PoolTemplateRow : DeliveryFacts
{
    public string? BaseJobTemplate { get; set; }
    public string? JobVariablePolicy { get; set; }
}
