using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>Events from what the store holds, each with a deterministic key and the details its payload carries.</summary>
internal static class AutomationEvents
{
    public static AutomationEvent RunState(RunStateEventRow row)
    {
        var state = State(row.Type!);
        var deployment = row.DeploymentName is null ? null : $"{row.FlowName}/{row.DeploymentName}";
        var tags = TagList(row.Tags);
        var run = new JsonObject
        {
            ["id"] = row.FlowRunId.ToString(),
            ["name"] = row.RunName,
            ["state"] = state.ToWireName(),
            ["state_name"] = row.StateName,
            ["message"] = row.Message,
            ["flow"] = row.FlowName,
            ["deployment"] = deployment,
            ["deployment_id"] = row.DeploymentId?.ToString(),
            ["work_pool"] = row.WorkPoolName,
            ["tags"] = new JsonArray(tags.Select(tag => (JsonNode?)tag).ToArray()),
        };
        var time = Time(row.Timestamp);
        return new AutomationEvent(AutomationTriggerKind.RunState, $"run_state:{row.StateId}", time, time,
            $"Flow run '{row.RunName}' of {deployment ?? row.FlowName} entered {row.StateName}{(row.Message is { Length: > 0 } m ? $": {m}" : "")}",
            new JsonObject { ["run"] = run }, row.FlowName, deployment, row.WorkPoolName, tags, state, row.FlowRunId, row.DeploymentId);
    }

    /// <summary>A run's creation: its first state (SCHEDULED, or PENDING for a subflow) and when it is due.</summary>
    public static AutomationEvent RunCreated(RunStateEventRow row)
    {
        var state = State(row.Type!);
        var deployment = row.DeploymentName is null ? null : $"{row.FlowName}/{row.DeploymentName}";
        var tags = TagList(row.Tags);
        var expected = row.ExpectedStartTime is { } ms ? Time(ms) : (DateTimeOffset?)null;
        var run = new JsonObject
        {
            ["id"] = row.FlowRunId.ToString(),
            ["name"] = row.RunName,
            ["state"] = state.ToWireName(),
            ["state_name"] = row.StateName,
            ["flow"] = row.FlowName,
            ["deployment"] = deployment,
            ["deployment_id"] = row.DeploymentId?.ToString(),
            ["work_pool"] = row.WorkPoolName,
            ["tags"] = new JsonArray(tags.Select(tag => (JsonNode?)tag).ToArray()),
            ["expected_start_time"] = expected?.ToString("O"),
            ["parent_flow_run_id"] = row.ParentFlowRunId?.ToString(),
        };
        var time = Time(row.Timestamp);
        return new AutomationEvent(AutomationTriggerKind.RunCreated, $"run_created:{row.FlowRunId}", time, time,
            $"Flow run '{row.RunName}' of {deployment ?? row.FlowName} was created ({row.StateName}{(expected is { } due ? $", due {due:u}" : "")})",
            new JsonObject { ["run"] = run }, row.FlowName, deployment, row.WorkPoolName, tags, state, row.FlowRunId, row.DeploymentId);
    }

    /// <summary>A run waiting since <paramref name="since"/>, with the server's reason why (null when it has none).</summary>
    public static AutomationEvent RunWaiting(FlowRunRow row, DateTimeOffset since, string? reason, DateTimeOffset now)
    {
        var deployment = row.DeploymentName is null ? null : $"{row.FlowName}/{row.DeploymentName}";
        var tags = TagList(row.Tags);
        var waited = now - since;
        var run = new JsonObject
        {
            ["id"] = row.Id.ToString(),
            ["name"] = row.Name,
            ["state"] = row.StateType,
            ["state_name"] = row.StateName,
            ["flow"] = row.FlowName,
            ["deployment"] = deployment,
            ["deployment_id"] = row.DeploymentId?.ToString(),
            ["work_pool"] = row.WorkPoolName,
            ["work_queue"] = row.WorkQueueName,
            ["tags"] = new JsonArray(tags.Select(tag => (JsonNode?)tag).ToArray()),
        };
        return new AutomationEvent(AutomationTriggerKind.RunWaiting, $"run_waiting:{row.StateId}", now, since,
            $"Flow run '{row.Name}' of {deployment ?? row.FlowName} has waited {Math.Floor(waited.TotalMinutes)} min in {row.StateName}: {reason ?? "no reason known"}",
            new JsonObject { ["run"] = run, ["waiting_reason"] = reason, ["waiting_since"] = since.ToString("O") },
            row.FlowName, deployment, row.WorkPoolName, tags, State(row.StateType), row.Id, row.DeploymentId);
    }

    public static AutomationEvent PoolNotReady(Guid poolId, string pool, DateTimeOffset since, long workers, DateTimeOffset now) =>
        new(AutomationTriggerKind.PoolNotReady, $"pool_not_ready:{poolId}:{Ms(since)}", now, since,
            $"Work pool '{pool}' has had no online worker since {since:u} ({workers} known, all offline)",
            new JsonObject
            {
                ["work_pool"] = new JsonObject { ["id"] = poolId.ToString(), ["name"] = pool, ["status"] = "NOT_READY", ["workers"] = workers },
                ["not_ready_since"] = since.ToString("O"),
            },
            WorkPool: pool);

    public static AutomationEvent WorkerOffline(Guid workerId, string worker, string pool, DateTimeOffset lastHeartbeat, DateTimeOffset offlineAt) =>
        new(AutomationTriggerKind.WorkerOffline, $"worker_offline:{workerId}:{Ms(lastHeartbeat)}", offlineAt, offlineAt,
            $"Worker '{worker}' of work pool '{pool}' went offline (last heartbeat {lastHeartbeat:u})",
            new JsonObject
            {
                ["worker"] = new JsonObject { ["id"] = workerId.ToString(), ["name"] = worker, ["last_heartbeat"] = lastHeartbeat.ToString("O") },
                ["work_pool"] = new JsonObject { ["name"] = pool },
            },
            WorkPool: pool);

    public static AutomationEvent ScheduleSkipped(SkippedSlotRow row)
    {
        var deployment = $"{row.FlowName}/{row.DeploymentName}";
        var skippedAt = Time(row.SkippedAt);
        return new AutomationEvent(AutomationTriggerKind.ScheduleSkipped, $"schedule_skipped:{row.Id}", skippedAt, skippedAt,
            $"Deployment {deployment} skipped its run due {Time(row.ScheduledTime):u} (catch-up {row.CatchUp})",
            new JsonObject
            {
                ["deployment"] = new JsonObject { ["id"] = row.DeploymentId.ToString(), ["name"] = deployment },
                ["scheduled_time"] = Time(row.ScheduledTime).ToString("O"),
                ["catch_up"] = row.CatchUp,
            },
            row.FlowName, deployment, row.WorkPoolName, TagList(row.Tags), DeploymentId: row.DeploymentId);
    }
}
