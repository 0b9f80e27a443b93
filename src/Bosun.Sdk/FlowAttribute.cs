namespace Bosun.Sdk;

/// <summary>Marks a static method as a Bosun flow. Its parameters become the flow's parameters (with a JSON Schema).</summary>
/// <param name="name">The flow's name, e.g. "get-repo-info"; deployments are addressed as <c>name/deployment</c>.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class FlowAttribute(string name) : Attribute
{
    /// <summary>The flow's name.</summary>
    public string Name { get; } = name;

    /// <summary>Capture what the flow writes to the console as the run's logs (Prefect's log_prints).</summary>
    public bool LogPrints { get; set; }

    /// <summary>How many times a failed run is retried, by the same process.</summary>
    public int Retries { get; set; }

    /// <summary>Seconds between retries.</summary>
    public int RetryDelaySeconds { get; set; }

    /// <summary>
    /// Longest a run may stay RUNNING, in seconds (0: no limit). Recorded on the deployments it serves or deploys; when it
    /// passes, the flow's cancellation token fires, its infrastructure is stopped after the worker's grace period, and the
    /// run ends FAILED with the state name TimedOut. A deployment or a run may set its own.
    /// </summary>
    public int TimeoutSeconds { get; set; }

    /// <summary>What the flow does; shown on its deployments.</summary>
    public string? Description { get; set; }

    /// <summary>The version of the flow's code; recorded on deployments.</summary>
    public string? Version { get; set; }

    /// <summary>
    /// Most task runs of one run of this flow executing at once (0, the default: no limit). Tasks over it wait, PENDING,
    /// for one of the flow's own to end; tag concurrency limits (<see cref="TaskAttribute.Tags"/>) apply besides, across runs.
    /// </summary>
    public int TaskConcurrency { get; set; }

    /// <summary>
    /// A type implementing <see cref="IResultSerializer"/> that writes the flow's result, and its tasks' unless a task names
    /// its own; default <see cref="JsonResultSerializer"/>.
    /// </summary>
    public Type? ResultSerializer { get; set; }
}
