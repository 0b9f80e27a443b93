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

    /// <summary>How often the late-run and zombie services look.</summary>
    public TimeSpan ServiceInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A RUNNING run whose heartbeat is older than this is CRASHED.</summary>
    public TimeSpan RunHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>A scheduled run still waiting this long after its time counts as missed for the catch-up policies LATEST and SKIP.</summary>
    public TimeSpan MissedRunGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Default prefetch window of a claim.</summary>
    public TimeSpan DefaultPrefetch { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest long-poll wait a claim may ask for.</summary>
    public TimeSpan MaxClaimWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The server's key file (encrypts secrets, signs run tokens), created on first start. Default: beside the SQLite
    /// file, or ~/.bosun/bosun.key for PostgreSQL. Replicas must share it.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>Serve a non-loopback address with no API key configured (anyone who reaches it can run code on workers).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>How long a run token (the flow-run process's credential) stays valid.</summary>
    public TimeSpan RunTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The key file in force: <see cref="KeyFile"/> or its default.</summary>
    public string EffectiveKeyFile => KeyFile
        ?? (Storage.PostgresDialect.IsPostgres(Database)
            ? Path.Combine(Path.GetDirectoryName(DefaultDatabasePath())!, "bosun.key")
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(Database))!, "bosun.key"));

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
