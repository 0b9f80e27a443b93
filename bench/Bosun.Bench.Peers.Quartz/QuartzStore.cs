using global::Quartz;

namespace Bosun.Bench.Peers.Quartz;

/// <summary>
/// A Quartz scheduler on the ADO job store (SQLite through Microsoft.Data.Sqlite, or PostgreSQL through Npgsql), as the
/// producer and the executor both build it: Quartz's defaults, or "tuned" (bench/README.md says which settings).
/// </summary>
internal static class QuartzStore
{
    /// <remarks>The producer and the executor share the scheduler name: Quartz keeps each name's jobs apart in the tables.</remarks>
    public static async Task<IScheduler> BuildAsync(string[] args, int threads)
    {
        var tuned = args.Length > 2 && args[2] == "tuned";
        var builder = QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = "peers";
                if (tuned)
                {
                    // The scheduler thread looks for new triggers every IdleWaitTime (default 30 s); 1 s is the least Quartz accepts.
                    scheduler.IdleWaitTime = TimeSpan.FromSeconds(1);
                }
            });
            quartz.UseDefaultThreadPool(threads);
            quartz.UsePersistentStore(store =>
            {
                switch (args[0])
                {
                    case "sqlite":
                        store.UseSqlite($"Data Source={args[1]}");
                        break;
                    case "postgres":
                        store.UsePostgres(args[1]);
                        break;
                    default:
                        throw new ArgumentException($"unknown store '{args[0]}'");
                }

                store.ProvisionSchema();
            });
        });
        return await builder.BuildScheduler();
    }
}
