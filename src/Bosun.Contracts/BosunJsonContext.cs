using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;

namespace Bosun.Contracts;

/// <summary>Source-generated JSON metadata for every contract type: snake_case names, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectRequiredConstructorParameters = false,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(Flow))]
[JsonSerializable(typeof(Page<Flow>))]
[JsonSerializable(typeof(DeploymentUpsert))]
[JsonSerializable(typeof(JobPreviewRequest))]
[JsonSerializable(typeof(Schedules.ScheduleSpec))]
[JsonSerializable(typeof(Schedules.ScheduleUpdate))]
[JsonSerializable(typeof(Schedules.DeploymentSchedule))]
[JsonSerializable(typeof(IReadOnlyList<Schedules.DeploymentSchedule>))]
[JsonSerializable(typeof(IReadOnlyList<Schedules.UpcomingRun>))]
[JsonSerializable(typeof(JobPreview))]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(Page<Deployment>))]
[JsonSerializable(typeof(WorkPoolCreate))]
[JsonSerializable(typeof(WorkPoolUpdate))]
[JsonSerializable(typeof(WorkPool))]
[JsonSerializable(typeof(Page<WorkPool>))]
[JsonSerializable(typeof(ConcurrencyLimitUpdate))]
[JsonSerializable(typeof(WorkQueueCreate))]
[JsonSerializable(typeof(WorkQueueUpdate))]
[JsonSerializable(typeof(WorkQueue))]
[JsonSerializable(typeof(IReadOnlyList<WorkQueue>))]
[JsonSerializable(typeof(WorkerHeartbeat))]
[JsonSerializable(typeof(Worker))]
[JsonSerializable(typeof(IReadOnlyList<Worker>))]
[JsonSerializable(typeof(FlowRunCreate))]
[JsonSerializable(typeof(SubflowRunCreate))]
[JsonSerializable(typeof(FlowRunPause))]
[JsonSerializable(typeof(FlowRunResume))]
[JsonSerializable(typeof(FlowRun))]
[JsonSerializable(typeof(FlowRunSummary))]
[JsonSerializable(typeof(Page<FlowRunSummary>))]
[JsonSerializable(typeof(FlowRunFilter))]
[JsonSerializable(typeof(InfrastructureUpdate))]
[JsonSerializable(typeof(ClaimRequest))]
[JsonSerializable(typeof(ClaimResponse))]
[JsonSerializable(typeof(ServedClaimRequest))]
[JsonSerializable(typeof(ServedClaimResponse))]
[JsonSerializable(typeof(StateProposal))]
[JsonSerializable(typeof(SetStateResult))]
[JsonSerializable(typeof(IReadOnlyList<FlowRunState>))]
[JsonSerializable(typeof(IReadOnlyList<LogCreate>))]
[JsonSerializable(typeof(LogEntry))]
[JsonSerializable(typeof(Page<LogEntry>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(Security.ApiKeyCreate))]
[JsonSerializable(typeof(Security.ApiKeyCreated))]
[JsonSerializable(typeof(IReadOnlyList<Security.ApiKey>))]
[JsonSerializable(typeof(Security.SecretValue))]
[JsonSerializable(typeof(IReadOnlyList<Security.SecretInfo>))]
[JsonSerializable(typeof(Security.SecretResolveRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Security.RunToken))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(DeploymentUpdate))]
[JsonSerializable(typeof(Security.ApiKeyBootstrap))]
[JsonSerializable(typeof(WaitingReasonUpdate))]
[JsonSerializable(typeof(IReadOnlyList<TaskRuns.TaskRunReport>))]
[JsonSerializable(typeof(TaskRuns.TaskRun))]
[JsonSerializable(typeof(IReadOnlyList<TaskRuns.TaskRun>))]
[JsonSerializable(typeof(TaskRuns.TaskCacheLookup))]
[JsonSerializable(typeof(Results.RunResult))]
[JsonSerializable(typeof(Results.ResultWrite))]
[JsonSerializable(typeof(PolicyExemptionUpdate))]
[JsonSerializable(typeof(Page<Audit.AuditEntry>))]
[JsonSerializable(typeof(Automations.AutomationCreate))]
[JsonSerializable(typeof(Automations.Automation))]
[JsonSerializable(typeof(IReadOnlyList<Automations.Automation>))]
[JsonSerializable(typeof(IReadOnlyList<Automations.AutomationDelivery>))]
public sealed partial class BosunJsonContext : JsonSerializerContext;
