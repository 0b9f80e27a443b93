using System.CommandLine;
using Bosun.Cli.Configuration;
using Bosun.Client;
using Bosun.Worker;
using Bosun.Worker.Runtime;
using Microsoft.Extensions.Logging;

namespace Bosun.Cli.Commands.Worker;

/// <summary>
/// `bosun worker start --pool P`: a long-lived worker that claims the pool's runs and creates their infrastructure. Ctrl+C
/// or SIGTERM drains (no new claims, running runs get --drain-seconds, then are stopped); a second signal stops them at once.
/// </summary>
internal static class WorkerStartCommand
{
    public static Command Create(CliContext context)
    {
        var pool = new Option<string>("--pool", "-p") { Description = "The work pool to poll (created with the worker's type when missing).", Required = true };
        var queues = new Option<string[]>("--work-queue", "-q") { Description = "Only these queues of the pool (repeatable); all when omitted.", AllowMultipleArgumentsPerToken = false };
        var type = new Option<string?>("--type", "-t") { Description = "Worker type: process, docker or kubernetes (default: the pool's type)." };
        var name = new Option<string?>("--name", "-n") { Description = "Worker name, unique in the pool (default: host name and process id)." };
        var limit = new Option<int?>("--limit", "-l") { Description = "Most flow runs (live infrastructure) at once." };
        var prefetch = new Option<double>("--prefetch-seconds") { Description = "Claim runs due within this many seconds; each holds a slot only from a few seconds before its time (its start lead).", DefaultValueFactory = _ => 10 };
        var runOnce = new Option<bool>("--run-once") { Description = "Claim once, wait for the runs started, then exit." };
        var healthcheck = new Option<bool>("--with-healthcheck") { Description = "Serve GET /health (200 while polling normally, 503 when stale)." };
        var healthPort = new Option<int>("--healthcheck-port") { Description = "Port of the health check.", DefaultValueFactory = _ => 8080 };
        var template = new Option<string?>("--base-job-template") { Description = "A JSON base job template for a pool the worker creates." };
        var heartbeat = new Option<double>("--heartbeat-seconds") { Description = "Heartbeat interval.", DefaultValueFactory = _ => 30 };
        var drain = new Option<double>("--drain-seconds")
        {
            Description = "On Ctrl+C/SIGTERM, how long running runs may finish before they are stopped and marked CRASHED (a second signal stops them at once).",
            DefaultValueFactory = _ => 30,
        };
        var retry = new Option<double>("--server-retry-seconds")
        {
            Description = "How long calls to an unreachable server are retried before a flow-run process gives up (the worker itself keeps polling).",
            DefaultValueFactory = _ => BosunClientOptions.DefaultOutageRetryWindow.TotalSeconds,
        };
        var command = new BosunCommand("start",
            "Start a worker for a work pool: it polls the pool, claims due flow runs and creates their infrastructure.",
            "bosun worker start --pool my-docker-pool",
            "bosun worker start --pool nightly --work-queue high --limit 4 --with-healthcheck")
        {
            pool, queues, type, name, limit, prefetch, runOnce, healthcheck, healthPort, template, heartbeat, drain, retry,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new WorkerOptions
            {
                PoolName = parse.GetValue(pool)!,
                Type = parse.GetValue(type),
                Name = parse.GetValue(name),
                Limit = parse.GetValue(limit),
                Prefetch = TimeSpan.FromSeconds(parse.GetValue(prefetch)),
                RunOnce = parse.GetValue(runOnce),
                WithHealthCheck = parse.GetValue(healthcheck),
                HealthCheckPort = parse.GetValue(healthPort),
                BaseJobTemplatePath = parse.GetValue(template),
                HeartbeatInterval = TimeSpan.FromSeconds(parse.GetValue(heartbeat)),
                DrainGracePeriod = TimeSpan.FromSeconds(parse.GetValue(drain)),
                OutageRetryWindow = TimeSpan.FromSeconds(parse.GetValue(retry)),
            };
            foreach (var queue in parse.GetValue(queues) ?? [])
            {
                options.WorkQueues.Add(queue);
            }

            var problems = options.Validate();
            if (problems.Count > 0)
            {
                throw new CliException(string.Join(" ", problems));
            }

            using var loggerFactory = LoggerFactory.Create(logging => logging
                .AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.TimestampFormat = "HH:mm:ss ";
                })
                .AddFilter("Microsoft", LogLevel.Warning));
            // A worker is long-lived: the client rides out server outages itself (one line when it starts, one when it ends).
            var settings = ApiSettings.Resolve(parse, context);
            using var client = new BosunClient(new BosunClientOptions
            {
                ApiUrl = settings.ApiUrl,
                ApiKey = settings.ApiKey,
                OutageRetryWindow = options.OutageRetryWindow,
                Logger = loggerFactory.CreateLogger("Bosun.Client"),
            });
            var workPool = await PrepareAsync(client, options, loggerFactory.CreateLogger("Bosun.Worker"), cancellationToken);
            await context.Output.WriteLineAsync($"Worker '{options.EffectiveName}' started! Polling work pool '{workPool.Name}' ({workPool.Type}) at {client.ApiUrl}");
            var stopNow = context.Signals?.StoppingNow ?? CancellationToken.None;
            await WorkerRuntime.RunWorkPoolAsync(client, workPool, options, loggerFactory, cancellationToken, stopNow);
            // Drained: the runs finished or were stopped and reported. Only a second signal makes the exit a signal's.
            return stopNow.IsCancellationRequested ? context.Signals!.ExitCode : 0;
        });
        return command;
    }

    private static async Task<Contracts.WorkPools.WorkPool> PrepareAsync(BosunClient client, WorkerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await WorkerBootstrap.PreparePoolAsync(client, options, logger, TimeProvider.System, cancellationToken);
        }
        catch (WorkerStartupException ex)
        {
            throw new CliException(ex.Message, ex);
        }
    }
}
