namespace Bosun.Server.Orchestration;

/// <summary>Server settings, bound from configuration section "Bosun" and environment variables BOSUN_*.</summary>
public sealed class BosunServerOptions
{
    /// <summary>Address to listen on. Loopback by default.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one.</summary>
    public int Port { get; set; } = 4200;

    /// <summary>SQLite file path (default ~/.bosun/bosun.db).</summary>
    public string Database { get; set; } = DefaultDatabasePath();

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>A SCHEDULED run this long past its time is renamed Late.</summary>
    public TimeSpan LateRunThreshold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the scheduler, the late-run service and the sweep of abandoned runs look.</summary>
    public TimeSpan ServiceInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A run whose flow-run process heartbeats is abandoned once its last heartbeat is older than this.</summary>
    public TimeSpan RunHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The claimant of a run (a worker, or a serving process) is silent once it has not been heard from for this long
    /// and for three of its heartbeat intervals: its PENDING runs, runs that never heartbeat and CANCELLING runs are then
    /// abandoned.
    /// </summary>
    public TimeSpan WorkerTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>A scheduled run still waiting this long after its time was missed: the catch-up policies LATEST and SKIP apply.</summary>
    public TimeSpan MissedRunGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The shortest interval a schedule may have.</summary>
    public TimeSpan MinScheduleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most runs the scheduler creates in one sweep; the rest come in the next sweeps.</summary>
    public int MaxScheduledRunsPerSweep { get; set; } = 1000;

    /// <summary>
    /// The most runs a first page of a run list counts: past it the page answers this many with
    /// <c>total_is_lower_bound</c>, so that a list costs the same on a store of millions of runs.
    /// </summary>
    public int ListCountLimit { get; set; } = 10_000;

    /// <summary>Default prefetch window of a claim.</summary>
    public TimeSpan DefaultPrefetch { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest long-poll wait a claim may ask for.</summary>
    public TimeSpan MaxClaimWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A long-polling claim that may take more than one run and is woken by a new run waits this long before it claims,
    /// so that runs created meanwhile go with it (one claim, one write, for several runs). Zero: it claims at once.
    /// </summary>
    public TimeSpan ClaimGather { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// The server's key file (encrypts secrets, signs run tokens), created on first start. Default: beside the SQLite
    /// file, or ~/.bosun/bosun.key for PostgreSQL. Replicas must share it.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// Keep the web UI's data-protection key ring in memory only, instead of in the store (encrypted with the key file):
    /// sessions then end with the process and work only on the replica that signed them in. Off by default;
    /// docs/security.md, "Sessions".
    /// </summary>
    public bool InMemoryUiSessionKeys { get; set; }

    /// <summary>
    /// Collect no metrics and serve no <c>/metrics</c> (it answers 404): for a replica nobody scrapes. Off by default;
    /// docs/operations.md, "Metrics".
    /// </summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Serve a non-loopback address with no API key configured (anyone who reaches it can run code on workers).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>How long a run token (the flow-run process's credential) stays valid.</summary>
    public TimeSpan RunTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long the audit log keeps an entry; older ones are deleted by the leader replica.</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// The folder for results larger than 64 KiB (smaller ones stay in the database). Default: <c>results</c> beside the
    /// SQLite file, or ~/.bosun/results for PostgreSQL. Replicas must share it.
    /// </summary>
    public string? ResultDirectory { get; set; }

    /// <summary>How long an automation's webhook may take to answer before the attempt counts as failed (and is retried).</summary>
    public TimeSpan AutomationWebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most automation deliveries in progress at once on one server.</summary>
    public int AutomationMaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>Attempts of an automation's action before it is given up (FAILED in the ledger).</summary>
    public int AutomationMaxAttempts { get; set; } = 8;

    /// <summary>The delay before an automation's action is tried again the first time; each further retry waits twice as long, at most 5 minutes.</summary>
    public TimeSpan AutomationRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an automation's ledger keeps a finished delivery (with its attempts) and a rule keeps a recorded event;
    /// older ones are deleted by the leader replica. A condition (a run waiting, a pool without workers, a worker offline,
    /// a skipped slot) that began longer ago than this no longer fires a rule.
    /// </summary>
    public TimeSpan AutomationRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How often the automation dispatcher looks for state changes and due deliveries without being woken (it is woken at
    /// once by this replica's changes and, through PostgreSQL NOTIFY, by the other replicas').
    /// </summary>
    public TimeSpan AutomationPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// This replica records automation events (state changes, run creations) but neither matches them nor carries out
    /// deliveries: the other replicas do, woken through PostgreSQL NOTIFY (for API-only replicas, or to keep webhook traffic
    /// on chosen hosts). At least one replica must dispatch.
    /// </summary>
    public bool NoAutomationDispatch { get; set; }

    /// <summary>
    /// How early a RUNNING proposal may arrive before its run's due time and be held until then, then answered, instead of
    /// told to WAIT: flow hosts propose 100 ms ahead, so a run due at a time starts on it without a second round trip.
    /// </summary>
    public TimeSpan DueHold { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The result folder in force: <see cref="ResultDirectory"/> or its default.</summary>
    public string EffectiveResultDirectory => ResultDirectory
        ?? Path.Combine(Storage.PostgresDialect.IsPostgres(Database)
            ? Path.GetDirectoryName(DefaultDatabasePath())!
            : Path.GetDirectoryName(Path.GetFullPath(Database))!, "results");

    /// <summary>The key file in force: <see cref="KeyFile"/> or its default.</summary>
    public string EffectiveKeyFile => KeyFile
        ?? (Storage.PostgresDialect.IsPostgres(Database)
            ? Path.Combine(Path.GetDirectoryName(DefaultDatabasePath())!, "bosun.key")
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Database))!, "bosun.key"));

    /// <summary>Every problem with these settings, each naming the setting and what to fix; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            failures.Add("Host must not be empty.");
        }

        if (Port is < 0 or > 65535)
        {
            failures.Add($"Port {Port} is outside 0-65535.");
        }

        if (string.IsNullOrWhiteSpace(Database))
        {
            failures.Add("Database must name a SQLite file or a PostgreSQL database.");
        }

        if (MaxRequestBodyBytes < 1024)
        {
            failures.Add($"MaxRequestBodyBytes must be at least 1024 (is {MaxRequestBodyBytes}).");
        }

        foreach (var (name, value) in new[]
        {
            (nameof(LateRunThreshold), LateRunThreshold), (nameof(ServiceInterval), ServiceInterval), (nameof(RunHeartbeatTimeout), RunHeartbeatTimeout),
            (nameof(WorkerTimeout), WorkerTimeout), (nameof(MissedRunGrace), MissedRunGrace), (nameof(MinScheduleInterval), MinScheduleInterval),
            (nameof(RunTokenLifetime), RunTokenLifetime), (nameof(AuditRetention), AuditRetention), (nameof(AutomationWebhookTimeout), AutomationWebhookTimeout),
            (nameof(AutomationRetryDelay), AutomationRetryDelay), (nameof(AutomationRetention), AutomationRetention),
            (nameof(AutomationPollInterval), AutomationPollInterval),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{name} must be positive (is {value}).");
            }
        }

        if (DefaultPrefetch < TimeSpan.Zero || MaxClaimWait < TimeSpan.Zero)
        {
            failures.Add("DefaultPrefetch and MaxClaimWait must be 0 or more.");
        }

        if (ClaimGather < TimeSpan.Zero || ClaimGather > TimeSpan.FromSeconds(1))
        {
            failures.Add($"ClaimGather must be 0 to 1 s (is {ClaimGather}).");
        }

        if (ListCountLimit < 1)
        {
            failures.Add($"ListCountLimit must be 1 or more (is {ListCountLimit}).");
        }

        if (MaxScheduledRunsPerSweep < 1)
        {
            failures.Add($"MaxScheduledRunsPerSweep must be 1 or more (is {MaxScheduledRunsPerSweep}).");
        }

        if (AutomationMaxConcurrentDeliveries < 1 || AutomationMaxAttempts < 1)
        {
            failures.Add($"AutomationMaxConcurrentDeliveries and AutomationMaxAttempts must be 1 or more (are {AutomationMaxConcurrentDeliveries} and {AutomationMaxAttempts}).");
        }

        return failures;
    }

    /// <summary>~/.bosun/bosun.db, or $BOSUN_HOME/bosun.db.</summary>
    public static string DefaultDatabasePath()
    {
        var home = Environment.GetEnvironmentVariable("BOSUN_HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bosun");
        }

        return Path.Combine(home, "bosun.db");
    }
}
