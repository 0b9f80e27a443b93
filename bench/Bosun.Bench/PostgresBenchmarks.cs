using System.Diagnostics;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Bosun.Bench;

/// <summary>The server benchmarks on PostgreSQL: claim-and-complete throughput with 1 and 2 replicas, claim latency with 1,000,000 runs.</summary>
internal static class PostgresBenchmarks
{
    private static string Admin =>
        Environment.GetEnvironmentVariable("BOSUN_BENCH_POSTGRES")
        ?? File.ReadLines("/tmp/bosun-ci/postgres.env").First(l => l.StartsWith("BOSUN_TEST_POSTGRES=", StringComparison.Ordinal))["BOSUN_TEST_POSTGRES=".Length..];

    /// <summary><see cref="ServerBenchmarks.CreateThroughputAsync"/> on a fresh PostgreSQL database.</summary>
    public static async Task<string> CreateThroughputAsync(int runs, int batch)
    {
        var database = await CreateDatabaseAsync();
        var server = await StartAsync(database);
        try
        {
            using var client = Client(server);
            return await ServerBenchmarks.CreateThroughputAsync(client, "PostgreSQL", runs, batch, () => StoreWorkAsync(database));
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
            await DropDatabaseAsync(database);
        }
    }

    /// <summary>
    /// The scheduler stocking the windows of <paramref name="schedules"/> one-minute schedules on a fresh PostgreSQL
    /// database: 61 runs each (an hour ahead), made by sweeps called back to back (a thousand runs a sweep, the default),
    /// timed from the first sweep to the one that makes nothing. (With a shorter interval, slots coming due while the
    /// sweeps run keep them busy: the figure would measure that.) The schedules are made inactive and switched on in the store, so that
    /// no sweep of the server's own loop (which a schedule's change wakes) runs before or beside the timed ones.
    /// </summary>
    public static async Task<string> ScheduleSweepAsync(int schedules)
    {
        var database = await CreateDatabaseAsync();
        var server = await StartAsync(database);
        try
        {
            using var client = Client(server);
            await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
            for (var i = 0; i < schedules; i++)
            {
                await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", $"every-minute-{i}", "bench", WorkPoolName: "bench",
                    Schedules: [new ScheduleSpec(IntervalSeconds: 60, Active: false)]));
            }

            await using (var connection = new NpgsqlConnection(database))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("UPDATE deployment_schedules SET active = TRUE", connection);
                await command.ExecuteNonQueryAsync();
            }

            var scheduler = server.Services.GetServices<IHostedService>().OfType<Server.Orchestration.Scheduling.SchedulerService>().Single();
            var cpu = MachineCpu.Now();
            var stopwatch = Stopwatch.StartNew();
            var (made, sweeps) = (0, 0);
            for (int last; (last = await scheduler.SweepAsync(CancellationToken.None)) > 0; sweeps++)
            {
                made += last;
            }

            var elapsed = stopwatch.Elapsed;
            return $"PostgreSQL scheduler: {made:N0} runs of {schedules} schedules made by {sweeps} sweeps in {elapsed.TotalMilliseconds:0} ms, " +
                $"{made / elapsed.TotalSeconds:0} runs/s ({MachineCpu.PerRun(cpu, made, elapsed)})";
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
            await DropDatabaseAsync(database);
        }
    }

    public static async Task<string> ThroughputAsync(int replicas, int runs, int clients)
    {
        var database = await CreateDatabaseAsync();
        var servers = new List<BosunServer>();
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                servers.Add(await StartAsync(database));
            }

            using var setup = Client(servers[0]);
            await setup.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
            var deployment = await setup.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", "bench", "bench", WorkPoolName: "bench"));
            var past = TimeProvider.System.GetUtcNow().AddMinutes(-1);
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async part =>
            {
                using var client = Client(servers[part % servers.Count]);
                for (var i = part; i < ServerBenchmarks.WarmUpRuns + runs + clients; i += 8)
                {
                    await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: past));
                }
            }));

            await ServerBenchmarks.ClaimAndCompleteAsync(ServerBenchmarks.WarmUpRuns, clients, index => Client(servers[index % servers.Count]));
            var cpu = MachineCpu.Now();
            var (done, elapsed) = await ServerBenchmarks.ClaimAndCompleteAsync(runs, clients, index => Client(servers[index % servers.Count]));
            return $"PostgreSQL, {replicas} replica(s): {done / elapsed.TotalSeconds:0} runs/s claimed and completed ({done} runs after {ServerBenchmarks.WarmUpRuns} warm-up runs, {clients} clients, {elapsed.TotalSeconds:0.0} s; {MachineCpu.PerRun(cpu, done, elapsed)})";
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.StopAsync();
                await server.DisposeAsync();
            }

            await DropDatabaseAsync(database);
        }
    }

    public static async Task<string> ClaimLatencyAsync(int stored, int samples)
    {
        var database = await CreateDatabaseAsync();
        var server = await StartAsync(database);
        try
        {
            using var client = Client(server);
            await client.CreateWorkPoolAsync(new WorkPoolCreate("bench", "process"));
            var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("bench-flow", "bench", "bench", WorkPoolName: "bench"));
            for (var i = 0; i < samples; i++)
            {
                await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddMinutes(-1)));
            }

            var seeding = Stopwatch.StartNew();
            await RunSeeder.SeedFinishedAsync(database, postgres: true, deployment.Id, first: 1, stored - samples, failedEvery: 0);
            seeding.Stop();
            var latencies = await ServerBenchmarks.MeasureClaimsAsync(client, samples);
            return $"PostgreSQL claim latency with {stored:N0} runs stored: {latencies} (seeded in {seeding.Elapsed.TotalSeconds:0} s)";
        }
        finally
        {
            await server.StopAsync();
            await server.DisposeAsync();
            await DropDatabaseAsync(database);
        }
    }

    private static BosunClient Client(BosunServer server) => new(new BosunClientOptions { ApiUrl = server.ApiAddress });

    internal static async Task<BosunServer> StartAsync(string database)
    {
        var server = BosunServer.Create(new BosunServerOptions { Host = "127.0.0.1", Port = 0, Database = database, KeyFile = Path.Combine(Path.GetTempPath(), "bosun-bench.key") },
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await server.StartAsync();
        return server;
    }

    /// <summary>
    /// The database's counters from pg_stat_database, read on a connection to the cluster's admin database (so the read is
    /// not counted) after 11 s: a backend that has gone idle reports its counts within 10 s.
    /// </summary>
    private static async Task<ServerBenchmarks.StoreWork> StoreWorkAsync(string database)
    {
        await Task.Delay(TimeSpan.FromSeconds(11));
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = @name", connection);
        command.Parameters.AddWithValue("name", new NpgsqlConnectionStringBuilder(database).Database!);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new(reader.GetInt64(0), reader.GetInt64(1));
    }

    internal static async Task<string> CreateDatabaseAsync()
    {
        var name = $"bosun_bench_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(Admin) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    internal static async Task DropDatabaseAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(database).Database} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
