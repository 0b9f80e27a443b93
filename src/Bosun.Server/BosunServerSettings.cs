using System.Globalization;
using Bosun.Contracts;
using Bosun.Server.Orchestration;

namespace Bosun.Server;

/// <summary>
/// Every setting of the server, each with its option, its flag of <c>bosun server start</c>, its environment variable and
/// its key in the <c>Bosun</c> section of appsettings.json. <see cref="Load"/> reads them in that order of precedence
/// (flag, then environment, then appsettings, then the default) and reports every problem at once.
/// </summary>
public static class BosunServerSettings
{
    /// <summary>The appsettings.json section.</summary>
    public const string Section = "Bosun";

    /// <summary>The settings, in the order `bosun server start --help` and the README list them.</summary>
    public static IReadOnlyList<ServerSetting> All { get; } =
    [
        Text("Host", "--host", "BOSUN_SERVER_HOST", "Address to listen on; anything but loopback needs an admin API key.", (o, v) => o.Host = v, o => o.Host),
        Number("Port", "--port", "BOSUN_SERVER_PORT", "Port to listen on (0 picks a free one).", (o, v) => o.Port = (int)v, o => o.Port, 0, 65535),
        Text("Database", "--database", "BOSUN_DATABASE",
            "SQLite file path, or a PostgreSQL URI / connection string such as postgresql://user:password@host:5432/bosun.", (o, v) => o.Database = v, _ => "~/.bosun/bosun.db"),
        Text("KeyFile", "--key-file", "BOSUN_KEY_FILE", "The server key file (encrypts secrets, signs run tokens); replicas share it.",
            (o, v) => o.KeyFile = v, _ => "beside the SQLite file, or ~/.bosun/bosun.key"),
        Text("ResultDirectory", "--result-directory", "BOSUN_RESULT_DIRECTORY",
            "Folder for flow and task results larger than 64 KiB (smaller ones stay in the database); replicas share it.",
            (o, v) => o.ResultDirectory = v, _ => "results beside the SQLite file, or ~/.bosun/results"),
        Flag("InMemoryUiSessionKeys", "--in-memory-ui-session-keys", "BOSUN_IN_MEMORY_UI_SESSION_KEYS",
            "Keep the web UI's session keys in memory, not in the store: sessions end with the process and work on this replica only.",
            (o, v) => o.InMemoryUiSessionKeys = v, o => o.InMemoryUiSessionKeys),
        Flag("DisableMetrics", "--no-metrics", "BOSUN_NO_METRICS",
            "Collect no metrics and serve no /metrics (it answers 404): for a replica nobody scrapes.", (o, v) => o.DisableMetrics = v, o => o.DisableMetrics),
        Flag("AllowAnonymous", "--insecure-allow-anonymous", "BOSUN_INSECURE_ALLOW_ANONYMOUS",
            "Listen beyond loopback without any API key (anyone reaching it can run code on workers).", (o, v) => o.AllowAnonymous = v, o => o.AllowAnonymous),
        Duration("RunHeartbeatTimeout", "--run-heartbeat-timeout", "BOSUN_RUN_HEARTBEAT_TIMEOUT",
            "A run whose flow-run process heartbeats is abandoned (CRASHED, or re-queued before it ran) once its heartbeat is this old.",
            (o, v) => o.RunHeartbeatTimeout = v, o => o.RunHeartbeatTimeout),
        Duration("WorkerTimeout", "--worker-timeout", "BOSUN_WORKER_TIMEOUT",
            "A worker (or serving process) not heard from for this long, and for 3 of its heartbeat intervals, has abandoned the runs it claimed.",
            (o, v) => o.WorkerTimeout = v, o => o.WorkerTimeout),
        Duration("LateRunThreshold", "--late-run-threshold", "BOSUN_LATE_RUN_THRESHOLD", "A SCHEDULED run this long past its time is renamed Late.",
            (o, v) => o.LateRunThreshold = v, o => o.LateRunThreshold),
        Duration("MissedRunGrace", "--missed-run-grace", "BOSUN_MISSED_RUN_GRACE",
            "A scheduled run not started this long after its time was missed: the deployment's catch-up policy decides whether it runs.",
            (o, v) => o.MissedRunGrace = v, o => o.MissedRunGrace),
        Duration("ServiceInterval", "--service-interval", "BOSUN_SERVICE_INTERVAL", "How often the scheduler, the late-run service and the sweep of abandoned runs look.",
            (o, v) => o.ServiceInterval = v, o => o.ServiceInterval),
        Duration("MinScheduleInterval", "--min-schedule-interval", "BOSUN_MIN_SCHEDULE_INTERVAL", "The shortest interval a schedule may have.",
            (o, v) => o.MinScheduleInterval = v, o => o.MinScheduleInterval),
        Number("MaxScheduledRunsPerSweep", "--max-scheduled-runs-per-sweep", "BOSUN_MAX_SCHEDULED_RUNS_PER_SWEEP",
            "Most runs the scheduler creates in one sweep (the rest follow in the next sweeps).", (o, v) => o.MaxScheduledRunsPerSweep = (int)v, o => o.MaxScheduledRunsPerSweep, 1, int.MaxValue),
        Number("ListCountLimit", "--list-count-limit", "BOSUN_LIST_COUNT_LIMIT",
            "The most runs a first page of a run list counts; past it the total says \"at least\" (total_is_lower_bound).",
            (o, v) => o.ListCountLimit = (int)v, o => o.ListCountLimit, 1, int.MaxValue),
        Duration("DefaultPrefetch", "--default-prefetch", "BOSUN_DEFAULT_PREFETCH", "How far ahead a claim that names no prefetch takes runs.",
            (o, v) => o.DefaultPrefetch = v, o => o.DefaultPrefetch),
        Duration("MaxClaimWait", "--max-claim-wait", "BOSUN_MAX_CLAIM_WAIT", "The longest a claim may wait (long-poll) for a run.",
            (o, v) => o.MaxClaimWait = v, o => o.MaxClaimWait),
        Duration("ClaimGather", "--claim-gather", "BOSUN_CLAIM_GATHER",
            "How long a long-polling claim for several runs, woken by a new run, waits for more before it claims (0: at once).",
            (o, v) => o.ClaimGather = v, o => o.ClaimGather),
        Duration("RunTokenLifetime", "--run-token-lifetime", "BOSUN_RUN_TOKEN_LIFETIME", "How long a flow-run process's token stays valid.",
            (o, v) => o.RunTokenLifetime = v, o => o.RunTokenLifetime),
        Duration("AuditRetention", "--audit-retention", "BOSUN_AUDIT_RETENTION", "How long the audit log keeps an entry.",
            (o, v) => o.AuditRetention = v, o => o.AuditRetention),
        Number("MaxRequestBodyBytes", "--max-request-body-bytes", "BOSUN_MAX_REQUEST_BODY_BYTES", "The largest request body accepted, in bytes.",
            (o, v) => o.MaxRequestBodyBytes = v, o => o.MaxRequestBodyBytes, 1024, long.MaxValue),
        Duration("AutomationWebhookTimeout", "--automation-webhook-timeout", "BOSUN_AUTOMATION_WEBHOOK_TIMEOUT",
            "How long an automation's webhook may take to answer before the attempt fails and is retried.", (o, v) => o.AutomationWebhookTimeout = v, o => o.AutomationWebhookTimeout),
        Number("AutomationMaxConcurrentDeliveries", "--automation-max-concurrent-deliveries", "BOSUN_AUTOMATION_MAX_CONCURRENT_DELIVERIES",
            "Most automation deliveries in progress at once on one server.", (o, v) => o.AutomationMaxConcurrentDeliveries = (int)v, o => o.AutomationMaxConcurrentDeliveries, 1, 1000),
        Number("AutomationMaxAttempts", "--automation-max-attempts", "BOSUN_AUTOMATION_MAX_ATTEMPTS",
            "Attempts of an automation's action before it is given up (FAILED in `bosun automation history`).", (o, v) => o.AutomationMaxAttempts = (int)v, o => o.AutomationMaxAttempts, 1, 100),
        Duration("AutomationRetryDelay", "--automation-retry-delay", "BOSUN_AUTOMATION_RETRY_DELAY",
            "The first retry delay of a failed automation action; each further retry waits twice as long, at most 5 minutes.", (o, v) => o.AutomationRetryDelay = v, o => o.AutomationRetryDelay),
        Duration("AutomationRetention", "--automation-retention", "BOSUN_AUTOMATION_RETENTION",
            "How long an automation's ledger keeps a finished delivery and a rule keeps a recorded event.", (o, v) => o.AutomationRetention = v, o => o.AutomationRetention),
        Duration("AutomationPollInterval", "--automation-poll-interval", "BOSUN_AUTOMATION_POLL_INTERVAL",
            "How often the automation dispatcher looks for events and due deliveries when nothing woke it.", (o, v) => o.AutomationPollInterval = v, o => o.AutomationPollInterval),
        Flag("NoAutomationDispatch", "--no-automation-dispatch", "BOSUN_NO_AUTOMATION_DISPATCH",
            "This replica records automation events but leaves matching and deliveries to the other replicas (PostgreSQL).",
            (o, v) => o.NoAutomationDispatch = v, o => o.NoAutomationDispatch),
    ];

    /// <summary>
    /// The server's options from its defaults, then <paramref name="appSettings"/> (keys <c>Bosun:Name</c>), then the
    /// environment, then <paramref name="flags"/> (a setting's value as typed, or null when the flag was not given);
    /// with every value that could not be read and every setting that is not valid.
    /// </summary>
    public static (BosunServerOptions Options, IReadOnlyList<string> Failures) Load(
        IConfiguration? appSettings, Func<string, string?> environment, Func<ServerSetting, string?> flags)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(flags);
        var options = new BosunServerOptions();
        var failures = new List<string>();
        foreach (var setting in All)
        {
            Apply(setting, appSettings?[$"{Section}:{setting.Name}"], $"appsettings {Section}:{setting.Name}");
            Apply(setting, environment(setting.EnvironmentVariable), setting.EnvironmentVariable);
            Apply(setting, flags(setting), setting.Flag);
        }

        failures.AddRange(options.Validate());
        return (options, failures);

        void Apply(ServerSetting setting, string? value, string source)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            if (setting.Set(options, value.Trim()) is { } problem)
            {
                failures.Add($"{source} '{value}' {problem}.");
            }
        }
    }

    private static ServerSetting Text(string name, string flag, string env, string description, Action<BosunServerOptions, string> set, Func<BosunServerOptions, string> show) =>
        new(name, flag, env, description, ServerSettingKind.Text, (o, v) =>
        {
            set(o, v);
            return null;
        }, show);

    private static ServerSetting Flag(string name, string flag, string env, string description, Action<BosunServerOptions, bool> set, Func<BosunServerOptions, bool> show) =>
        new(name, flag, env, description, ServerSettingKind.Flag, (o, v) =>
        {
            if (!bool.TryParse(v, out var parsed))
            {
                return "is not true or false";
            }

            set(o, parsed);
            return null;
        }, o => show(o) ? "true" : "false");

    private static ServerSetting Number(string name, string flag, string env, string description, Action<BosunServerOptions, long> set, Func<BosunServerOptions, long> show, long min, long max) =>
        new(name, flag, env, description, ServerSettingKind.Number, (o, v) =>
        {
            if (!long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) || parsed < min || parsed > max)
            {
                return max == long.MaxValue || max == int.MaxValue ? $"is not a whole number of at least {min}" : $"is not a whole number from {min} to {max}";
            }

            set(o, parsed);
            return null;
        }, o => show(o).ToString(CultureInfo.InvariantCulture));

    private static ServerSetting Duration(string name, string flag, string env, string description, Action<BosunServerOptions, TimeSpan> set, Func<BosunServerOptions, TimeSpan> show) =>
        new(name, flag, env, description, ServerSettingKind.Duration, (o, v) =>
        {
            if (!Durations.TryParse(v, out var parsed))
            {
                return $"is not a duration; write it like {Durations.Examples}";
            }

            set(o, parsed);
            return null;
        }, o => Describe(show(o)));

    /// <summary>A duration as the settings show their defaults: 2 ms, 90 s, 10 min, 24 h.</summary>
    private static string Describe(TimeSpan value) =>
        value > TimeSpan.Zero && value < TimeSpan.FromSeconds(1) ? $"{value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms"
        : value.TotalSeconds < 120 || value.TotalSeconds % 60 != 0 ? $"{value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"
        : value.TotalMinutes < 120 || value.TotalMinutes % 60 != 0 ? $"{value.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min"
        : $"{value.TotalHours.ToString(CultureInfo.InvariantCulture)} h";
}
