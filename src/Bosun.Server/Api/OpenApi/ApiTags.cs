namespace Bosun.Server.Api.OpenApi;

/// <summary>What each tag of the OpenAPI document groups; a route with a tag not listed here fails the contract tests (and lint).</summary>
internal static class ApiTags
{
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        ["Health"] = "Whether the server is up, its version, its store and whether it leads the replicas.",
        ["Work pools"] = "Work pools: where runs are delivered, with a type (process, docker, kubernetes), a base job template and a concurrency limit; the worker's claim.",
        ["Work queues"] = "The queues of a pool: priorities and limits that order and cap the runs a pool delivers.",
        ["Workers"] = "The workers polling a pool, known by their heartbeats.",
        ["Flows"] = "Flows: the named C# methods deployments run.",
        ["Deployments"] = "Deployments: a flow with its pool, parameters, job variables and schedules; creating runs of them.",
        ["Schedules"] = "A deployment's cron, interval and rrule schedules and the runs they will create; a preview of any schedule's next times.",
        ["Flow runs"] = "Flow runs: reading and filtering them, their states and results, cancelling, and what workers and flow processes report.",
        ["Task runs"] = "The task runs inside a flow run, their results and the task cache.",
        ["Logs"] = "Run logs: batched writes, paged reads and a live follow as server-sent events.",
        ["Security"] = "API keys, web UI sessions, secrets and run tokens.",
        ["Audit"] = "The audit log: who changed what through the API, and when.",
        ["Automations"] = "Automations: rules of a trigger and actions, and the ledger of their deliveries.",
        ["Concurrency limits"] = "Tag concurrency limits: how many task runs with a tag run at once across all flow runs, and the slots task runs take of them.",
    };
}
