using System.Text.Json.Nodes;
using Bosun.Contracts.Automations;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Results;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Contracts.WorkPools;

namespace Bosun.Server.Api.OpenApi;

/// <summary>
/// One realistic value per request body and per main resource, shown as the schema's example. They are contract objects
/// serialized with the API's own JSON options, so an example cannot name a field or an enum value the API does not have
/// (and Redocly's no-invalid-schema-examples checks them against their schemas).
/// </summary>
internal static class SchemaExamples
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 6, 0, 0, TimeSpan.Zero);
    private static readonly Guid RunId = Guid.Parse("0f6c8a52-3b1e-4d7a-9c55-1a2b3c4d5e6f");
    private static readonly Guid DeploymentId = Guid.Parse("7d1e2f30-4a5b-4c6d-8e9f-a0b1c2d3e4f5");
    private static readonly JsonObject Parameters = new() { ["date"] = "2026-03-01", ["full_refresh"] = false };

    public static readonly IReadOnlyDictionary<Type, object> ByType = new Dictionary<Type, object>
    {
        [typeof(WorkPoolCreate)] = new WorkPoolCreate("nightly-docker", "docker", "Nightly ETL containers on the build host", ConcurrencyLimit: 4),
        [typeof(WorkPoolUpdate)] = new WorkPoolUpdate("Nightly ETL containers (moved to the new host)"),
        [typeof(WorkQueueCreate)] = new WorkQueueCreate("critical", "Runs that page someone when late", Priority: 1, ConcurrencyLimit: 2),
        [typeof(WorkQueueUpdate)] = new WorkQueueUpdate(Priority: 2),
        [typeof(ConcurrencyLimitUpdate)] = new ConcurrencyLimitUpdate(8),
        [typeof(WorkerHeartbeat)] = new WorkerHeartbeat("build-host-1", "docker", 30),
        [typeof(ClaimRequest)] = new ClaimRequest("build-host-1", MaxRuns: 2, WorkQueueNames: ["critical", "default"], WorkerType: "docker", WaitSeconds: 20, HeartbeatIntervalSeconds: 30),
        [typeof(ServedClaimRequest)] = new ServedClaimRequest("etl-serve@build-host-1", [DeploymentId], MaxRuns: 1, WaitSeconds: 20),
        [typeof(DeploymentUpsert)] = new DeploymentUpsert("etl", "nightly", "Acme.Etl.dll:Acme.Etl.Flows.Nightly", Parameters, WorkPoolName: "nightly-docker",
            WorkQueueName: "critical", JobVariables: new JsonObject { ["image"] = "registry.example.com/acme/etl:1.4.2" }, Tags: ["etl", "nightly"],
            Description: "Loads yesterday's orders into the warehouse", Version: "1.4.2", Retries: 2, RetryDelaySeconds: 60,
            Schedules: [new ScheduleSpec(Cron: "0 2 * * *", Timezone: "Europe/Berlin")]),
        [typeof(DeploymentUpdate)] = new DeploymentUpdate(Paused: true, Description: "Paused while the warehouse migrates"),
        [typeof(JobPreviewRequest)] = new JobPreviewRequest(new JsonObject { ["image"] = "registry.example.com/acme/etl:1.5.0-rc1" }),
        [typeof(PolicyExemptionUpdate)] = new PolicyExemptionUpdate(new JsonObject { ["privileged"] = true }, "Needs the host's GPU driver until ticket OPS-412 is done"),
        [typeof(ScheduleSpec)] = new ScheduleSpec(Cron: "0 2 * * *", Timezone: "Europe/Berlin", Parameters: new JsonObject { ["full_refresh"] = false }),
        [typeof(ScheduleUpdate)] = new ScheduleUpdate(false),
        [typeof(SchedulePreviewRequest)] = new SchedulePreviewRequest(Cron: "0 9 * * 1-5", Timezone: "Europe/Berlin", Count: 5),
        [typeof(FlowRunCreate)] = new FlowRunCreate(Parameters, Tags: ["backfill"], IdempotencyKey: "backfill-2026-03-01", Name: "backfill-march-1"),
        [typeof(ConcurrencyLimitCreate)] = new ConcurrencyLimitCreate("warehouse-db", 4),
        [typeof(ConcurrencySlotRequest)] = new ConcurrencySlotRequest(Guid.Parse("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"), ["warehouse-db", "etl"]),
        [typeof(FlowRunBatchCreate)] = new FlowRunBatchCreate([
            new FlowRunCreate(new JsonObject { ["day"] = "2026-03-01" }, IdempotencyKey: "backfill-2026-03-01"),
            new FlowRunCreate(new JsonObject { ["day"] = "2026-03-02" }, IdempotencyKey: "backfill-2026-03-02")]),
        [typeof(FlowRunFilter)] = new FlowRunFilter([StateType.Failed, StateType.Crashed], FlowName: "etl", Limit: 50) { IncludeTotal = false },
        [typeof(FlowRunPause)] = new FlowRunPause(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["approved"] = new JsonObject { ["type"] = "boolean" } } }, 3600),
        [typeof(FlowRunResume)] = new FlowRunResume(new JsonObject { ["approved"] = true }),
        [typeof(DeploymentRunCreate)] = new DeploymentRunCreate("etl/nightly", new JsonObject { ["partition"] = "2026-03-01" }),
        [typeof(SubflowRunCreate)] = new SubflowRunCreate("load-partition", new JsonObject { ["partition"] = "2026-03-01" }),
        [typeof(StateProposal)] = new StateProposal(StateType.Running),
        [typeof(FlowRunStateBatch)] = new FlowRunStateBatch(
        [
            new FlowRunStateProposal(RunId, new StateProposal(StateType.Completed, TransitionId: Guid.Parse("0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"))),
            new FlowRunStateProposal(Guid.Parse("1e2f3a4b-5c6d-4e7f-8091-a2b3c4d5e6f7"), new StateProposal(StateType.Failed, Message: "TimeoutException: the warehouse did not answer",
                TransitionId: Guid.Parse("2f3a4b5c-6d7e-4f80-91a2-b3c4d5e6f708"))),
        ]),
        [typeof(InfrastructureUpdate)] = new InfrastructureUpdate("docker://3f2a9c1e7b4d"),
        [typeof(WaitingReasonUpdate)] = new WaitingReasonUpdate("0/3 nodes are available: 3 Insufficient memory."),
        [typeof(ResultWrite)] = new ResultWrite(new JsonObject { ["rows_loaded"] = 18234 }),
        [typeof(LogCreate)] = new LogCreate(RunId, At, RunLogLevel.Info, "Loaded 18234 rows into orders_daily"),
        [typeof(TaskRunReport)] = new TaskRunReport(Guid.Parse("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"), RunId, "extract-orders", 3, TaskRunStateType.Completed, 1,
            At, At.AddSeconds(42), CacheKey: "extract-orders/2026-03-01", Result: new JsonObject { ["rows"] = 18234 }, HasResult: true),
        [typeof(ApiKeyCreate)] = new ApiKeyCreate("ci-deployer", ApiKeyRole.Developer, ExpiresInDays: 90),
        [typeof(ApiKeyBootstrap)] = new ApiKeyBootstrap("bst_4f1c9a0e2d7b4c5e8a3f6b1d0c9e7a2f", "admin"),
        [typeof(SecretValue)] = new SecretValue("s3cr3t-warehouse-password"),
        [typeof(SecretResolveRequest)] = new SecretResolveRequest(RunId, ["warehouse-password"]),
        [typeof(SecretReadRequest)] = new SecretReadRequest(["registry-password"], "bosun deploy of 'get-repo-info/nightly': push step"),
        [typeof(AutomationCreate)] = new AutomationCreate("page-on-etl-failure",
            new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed, StateType.Crashed], Deployment: "etl/nightly"),
            [new AutomationAction(AutomationActionKind.Webhook, "https://hooks.example.com/services/T000/B000/XXXX", Preset: WebhookPreset.Slack)],
            "Tell the data team when the nightly load fails"),
        [typeof(AutomationUpdate)] = new AutomationUpdate(
            Trigger: new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed], Deployment: "etl/nightly", Threshold: 3, WithinMinutes: 10),
            Description: "Page the data team after three failures of the nightly load within ten minutes"),
        [typeof(LogEntry)] = new LogEntry(81234, RunId, At, RunLogLevel.Info, "Loaded 18234 rows into orders_daily", LogSource.Flow),
        [typeof(SecretInfo)] = new SecretInfo("warehouse-password", At.AddDays(-30), At),
        [typeof(ApiKey)] = new ApiKey(Guid.Parse("c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"), "ci-deployer", ApiKeyRole.Developer, "bsn_3f9a", false, At.AddDays(90), At, At.AddDays(-1)),
        [typeof(WorkPool)] = new WorkPool(Guid.Parse("2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091"), "nightly-docker", "docker", "Nightly ETL containers on the build host",
            new JsonObject { ["job_configuration"] = new JsonObject { ["image"] = "{{ image }}" }, ["variables"] = new JsonObject { ["type"] = "object" } },
            false, 4, ReadinessStatus.Ready, 1, 2, 1, At.AddDays(-60), At.AddDays(-2)),
        [typeof(Deployment)] = new Deployment(DeploymentId, Guid.Parse("6e7f8091-a2b3-4c4d-9e5f-60718293a4b5"), "etl", "nightly", "Acme.Etl.dll:Acme.Etl.Flows.Nightly",
            Parameters, new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["full_refresh"] = new JsonObject { ["type"] = "boolean" } } },
            "nightly-docker", "critical", new JsonObject { ["image"] = "registry.example.com/acme/etl:1.4.2" }, ["etl", "nightly"],
            "Loads yesterday's orders into the warehouse", "1.4.2", false, 1, CollisionStrategy.Enqueue, ReadinessStatus.Ready, At, 2, 60,
            [new DeploymentSchedule(Guid.Parse("8f90a1b2-c3d4-4e5f-8061-728394a5b6c7"), DeploymentId, "cron", "0 2 * * *", null, null, null, "Europe/Berlin", true,
                new JsonObject(), At.AddDays(-30), At.AddDays(-30))],
            CatchUpPolicy.Latest, 0, null, At.AddDays(-30), At.AddDays(-1), TimeoutSeconds: 3600, CrashRetries: 1, CrashRetryDelaySeconds: 30),
        [typeof(WorkQueue)] = new WorkQueue(Guid.Parse("3c4d5e6f-7081-4923-8b4c-5d6e7f809102"), "nightly-docker", "critical", "Runs that page someone when late", 1, 2, false, At,
            ReadinessStatus.Ready, 1, 0),
        [typeof(Worker)] = new Worker(Guid.Parse("4d5e6f70-8192-4a34-9c5d-6e7f80910213"), "nightly-docker", "build-host-1", "docker", At, 30, WorkerStatus.Online, At.AddDays(-60)),
        [typeof(TaskRun)] = new TaskRun(Guid.Parse("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"), RunId, "extract-orders", TaskRunStateType.Completed, 1, At, At.AddSeconds(42), null,
            "extract-orders/2026-03-01", null, true, At, At.AddSeconds(42)),
        [typeof(FlowRun)] = new FlowRun(RunId, "crimson-heron", "etl", DeploymentId, "nightly", "nightly-docker", "critical", Parameters,
            new JsonObject { ["image"] = "registry.example.com/acme/etl:1.4.2" }, ["etl", "nightly"],
            new FlowRunState(Guid.Parse("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"), StateType.Running, "Running", null, At.AddSeconds(5)),
            At, null, At.AddSeconds(5), null, 0, 1, "docker://3f2a9c1e7b4d", "build-host-1", null, 2, 60, At.AddSeconds(35), null, At.AddMinutes(-1), At.AddSeconds(35)),
        [typeof(FlowRunState)] = new FlowRunState(Guid.Parse("9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"), StateType.Completed, "Completed", "All 3 tasks completed", At.AddMinutes(3)),
    };
}
