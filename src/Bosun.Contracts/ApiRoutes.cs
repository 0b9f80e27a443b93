namespace Bosun.Contracts;

/// <summary>Route templates of the REST API, relative to the API base (<c>/api</c>).</summary>
public static class ApiRoutes
{
    /// <summary>Health.</summary>
    public const string Health = "health";
    /// <summary>Flows.</summary>
    public const string Flows = "flows";
    /// <summary>Schedules that are not a deployment's (the preview).</summary>
    public const string Schedules = "schedules";
    /// <summary>Deployments.</summary>
    public const string Deployments = "deployments";
    /// <summary>Work pools.</summary>
    public const string WorkPools = "work_pools";
    /// <summary>Flow runs.</summary>
    public const string FlowRuns = "flow_runs";
    /// <summary>Logs.</summary>
    public const string Logs = "logs";
    /// <summary>Default base job templates per pool type.</summary>
    public const string DefaultTemplates = "work_pool_types";
    /// <summary>Task runs.</summary>
    public const string TaskRuns = "task_runs";
    /// <summary>The audit log.</summary>
    public const string Audit = "audit";
    /// <summary>Automations.</summary>
    public const string Automations = "automations";
    /// <summary>Tag concurrency limits.</summary>
    public const string ConcurrencyLimits = "concurrency_limits";
    /// <summary>Web UI sessions (admins list and revoke them).</summary>
    public const string UiSessions = "ui_sessions";
}
