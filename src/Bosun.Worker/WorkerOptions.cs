namespace Bosun.Worker;

/// <summary>How a worker runs: its pool, identity, capacity and timings (the options of `bosun worker start`).</summary>
public sealed class WorkerOptions
{
    /// <summary>The work pool to poll (required).</summary>
    public string PoolName { get; set; } = "";

    /// <summary>Only these queues of the pool; all when empty.</summary>
    public IList<string> WorkQueues { get; } = [];

    /// <summary>The worker type (process, docker, kubernetes); the pool's type when null.</summary>
    public string? Type { get; set; }

    /// <summary>The worker's name, unique in the pool; host name and process id when null.</summary>
    public string? Name { get; set; }

    /// <summary>Most infrastructures alive at once; unlimited when null.</summary>
    public int? Limit { get; set; }

    /// <summary>Claim runs due within this window; such a run holds a slot only from its infrastructure's start lead before its time (docs/runtime.md).</summary>
    public TimeSpan Prefetch { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Heartbeat interval announced to the server.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one claim may wait on the server for a run (long-poll).</summary>
    public TimeSpan ClaimWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often the worker looks for cancellation requests of the runs it started.</summary>
    public TimeSpan CancellationPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>One claim, wait for the runs it started, exit.</summary>
    public bool RunOnce { get; set; }

    /// <summary>Create the pool with the worker's type and its default template when it does not exist.</summary>
    public bool CreatePoolIfMissing { get; set; } = true;

    /// <summary>A base job template (JSON file) for a pool the worker creates.</summary>
    public string? BaseJobTemplatePath { get; set; }

    /// <summary>Serve GET /health on <see cref="HealthCheckPort"/>.</summary>
    public bool WithHealthCheck { get; set; }

    /// <summary>Address of the health endpoint.</summary>
    public string HealthCheckHost { get; set; } = "127.0.0.1";

    /// <summary>Port of the health endpoint.</summary>
    public int HealthCheckPort { get; set; } = 8080;

    /// <summary>/health answers 503 when the last successful poll is older than this.</summary>
    public TimeSpan HealthStaleAfter { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>On shutdown, how long running runs may finish before they are cancelled and marked CRASHED.</summary>
    public TimeSpan DrainGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Between the polite stop (SIGTERM, docker stop) and the kill.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request to the server is retried while the server does not answer (10 minutes by default), by the
    /// worker and by the flow-run processes it starts (passed on as BOSUN_SERVER_RETRY_SECONDS). The worker itself keeps
    /// polling past it; a flow-run process gives up after it.
    /// </summary>
    public TimeSpan OutageRetryWindow { get; set; } = Client.BosunClientOptions.DefaultOutageRetryWindow;

    /// <summary>How long the worker waits before claiming again after the server refused a claim or stayed away past the window.</summary>
    public TimeSpan ClaimRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Every problem with these options, each a sentence saying what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(PoolName))
        {
            failures.Add("a work pool is required (--pool NAME).");
        }

        if (Type is not null && !Contracts.WorkPools.WorkPoolTypes.IsKnown(Type))
        {
            failures.Add($"unknown worker type '{Type}'; use one of {string.Join(", ", Contracts.WorkPools.WorkPoolTypes.All)}.");
        }

        if (Limit is <= 0)
        {
            failures.Add("--limit must be 1 or more.");
        }

        if (Prefetch < TimeSpan.Zero || HeartbeatInterval <= TimeSpan.Zero || ClaimWait < TimeSpan.Zero || DrainGracePeriod < TimeSpan.Zero)
        {
            failures.Add("--prefetch-seconds and --drain-seconds must be 0 or more and --heartbeat-seconds positive.");
        }

        if (OutageRetryWindow <= TimeSpan.Zero || ClaimRetryDelay <= TimeSpan.Zero)
        {
            failures.Add("--server-retry-seconds must be positive.");
        }

        if (BaseJobTemplatePath is { } path && !File.Exists(path))
        {
            failures.Add($"base job template file '{path}' does not exist.");
        }

        if (HealthCheckPort is < 0 or > 65535)
        {
            failures.Add($"health check port {HealthCheckPort} is outside 0-65535.");
        }

        return failures;
    }

    /// <summary>The worker's display name: <see cref="Name"/> or host and process id.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? $"{Environment.MachineName}-{Environment.ProcessId}" : Name;
}
