using global::Hangfire;
using global::Hangfire.PostgreSql;
using global::Hangfire.Storage.SQLite;

namespace Bosun.Bench.Peers.Hangfire;

/// <summary>
/// Hangfire's storage as the producer and the executor both open it: SQLite (Hangfire.Storage.SQLite) or PostgreSQL
/// (Hangfire.PostgreSql), with the library's defaults, or on PostgreSQL "tuned" (bench/README.md says which settings).
/// </summary>
internal static class HangfireStore
{
    public static bool IsTuned(string[] args) => args.Length > 2 && args[2] == "tuned";

    public static JobStorage Open(string[] args)
    {
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
        switch (args[0])
        {
            case "sqlite":
                GlobalConfiguration.Configuration.UseSQLiteStorage(args[1], new SQLiteStorageOptions());
                break;
            case "postgres":
                var options = new PostgreSqlStorageOptions();
                if (IsTuned(args))
                {
                    // LISTEN/NOTIFY wakes a fetching worker when a job is enqueued, instead of its next poll.
                    options.EnableLongPolling = true;
                    options.QueuePollInterval = TimeSpan.FromSeconds(1);
                }

                GlobalConfiguration.Configuration.UsePostgreSqlStorage(c => c.UseNpgsqlConnection(args[1]), options);
                break;
            default:
                throw new ArgumentException($"unknown store '{args[0]}'");
        }

        return JobStorage.Current;
    }
}
