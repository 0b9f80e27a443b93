using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Bosun.Faults.Tests;

/// <summary>
/// Traces of what the server does on its own (docs/operations.md, Traces): a run the scheduler creates is rooted in an
/// exported span of a trace of its own, and the sweep that made it is a span too (an idle sweep is not), sent by OTLP/HTTP to a receiver on
/// 127.0.0.1 in the test; a sweep whose insert of a slot's run loses to another writer's exports no span for it.
/// </summary>
public sealed class SchedulerTraceTests
{
    [Fact]
    public async Task ScheduledRuns_RootSpanAndSchedulerSweepSpan_Exported()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromSeconds(1),
            services: services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource("Bosun.Server").AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(receiver.Endpoint + "/v1/traces");
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 200;
            })));
        var client = server.Client;
        await client.PoolAsync("traces");
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("hourly", "traces", "cmd", WorkPoolName: "traces",
            Schedules: [new ScheduleSpec(IntervalSeconds: 3600, Anchor: TimeProvider.System.GetUtcNow().AddMinutes(1))]));
        var runs = await Eventually.ValueAsync(async () => (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items,
            items => items.Count > 0, "the scheduler created the deployment's runs", TimeSpan.FromSeconds(60));

        var run = await client.GetFlowRunAsync(runs[0].Id);
        var (traceId, spanId) = (run.Traceparent!.Split('-')[1], run.Traceparent.Split('-')[2]);
        var root = await Eventually.ValueAsync(() => Task.FromResult(receiver.Spans.FirstOrDefault(span => span.SpanId == spanId)),
            span => span is not null, "the run's root span is exported", TimeSpan.FromSeconds(60));
        Assert.Equal(("Bosun.Server", "bosun.flow_run.create", traceId, ""), (root!.Scope, root.Name, root.TraceId, root.ParentSpanId));
        // Each scheduled run is a trace of its own, not a part of the sweep's.
        var otherRuns = runs.Skip(1).Select(summary => summary.Id).ToList();
        foreach (var id in otherRuns)
        {
            Assert.NotEqual(traceId, (await client.GetFlowRunAsync(id)).Traceparent!.Split('-')[1]);
        }

        var sweep = await Eventually.ValueAsync(() => Task.FromResult(receiver.Spans.FirstOrDefault(span => span.Name == "bosun.sweep SchedulerService")),
            span => span is not null, "the scheduler's sweep span is exported", TimeSpan.FromSeconds(60));
        Assert.Equal(("Bosun.Server", ""), (sweep!.Scope, sweep.ParentSpanId));
        Assert.NotEqual(traceId, sweep.TraceId);
        // A sweep that found nothing to do (the audit log's retention, every second here) is not exported.
        Assert.DoesNotContain(receiver.Spans, span => span.Name == "bosun.sweep AuditRetentionService");
    }

    [Fact]
    public async Task ScheduledRun_InsertLosesTheSlotToAnotherWriter_ItsRootSpanNotExported()
    {
        // Only PostgreSQL has concurrent writers: on SQLite a sweep writes after the other writer has committed, and finds its run.
        if (TestDatabases.PostgresAdmin is null && !TestEnvironment.InCi)
        {
            return; // no PostgreSQL cluster configured outside CI (scripts/ci-setup/10-postgres.sh)
        }

        await using var receiver = await OtlpTraceReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(postgres: true, configure: options => options.ServiceInterval = TimeSpan.FromSeconds(1),
            services: services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource("Bosun.Server").AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = new Uri(receiver.Endpoint + "/v1/traces");
                otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 200;
            })));
        var client = server.Client;
        await client.PoolAsync("races");
        // Paused until the rival's run is written: the scheduler makes nothing before.
        var anchor = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds());
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("hourly", "races", "cmd", WorkPoolName: "races",
            Schedules: [new ScheduleSpec(IntervalSeconds: 3600, Anchor: anchor)], Paused: true));
        var schedule = (await client.ListSchedulesAsync(deployment.Id)).Single();

        // Another writer (a replica's sweep) inserts the first slot's run and has not committed: the sweep cannot see it, and
        // its own insert of that slot waits on the idempotency key's unique index, then inserts nothing once the other commits.
        var database = await TestDatabases.ForDirectoryAsync(server.Directory, postgres: true);
        await using var rival = new NpgsqlConnection(database);
        await rival.OpenAsync();
        await using var transaction = await rival.BeginTransactionAsync();
        var rivalId = Guid.NewGuid();
        var nowMs = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO flow_runs (id, name, flow_id, deployment_id, parameters, job_variables, tags, state_id, state_type, state_name,
                state_timestamp, state_scheduled_time, expected_start_time, next_scheduled_start_time, idempotency_key, created, updated)
            VALUES (@id, 'rival', @flow, @deployment, '{}', '{}', '[]', @state, 'SCHEDULED', 'Scheduled', @now, @due, @due, @due, @key, @now, @now)
            """, rival, transaction))
        {
            insert.Parameters.AddWithValue("id", rivalId.ToString());
            insert.Parameters.AddWithValue("flow", deployment.FlowId.ToString());
            insert.Parameters.AddWithValue("deployment", deployment.Id.ToString());
            insert.Parameters.AddWithValue("state", Guid.NewGuid().ToString());
            insert.Parameters.AddWithValue("now", nowMs);
            insert.Parameters.AddWithValue("due", anchor.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("key", $"scheduled {deployment.Id} {schedule.Id} {anchor.UtcDateTime:O}");
            await insert.ExecuteNonQueryAsync();
        }

        await client.ResumeDeploymentAsync(deployment.Id);
        // Watched from a third session: inside a transaction, pg_stat_activity is read once and then cached.
        await using var watcher = new NpgsqlConnection(database);
        await watcher.OpenAsync();
        await Eventually.WaitUntilAsync(async () =>
            {
                await using var waiting = new NpgsqlCommand(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO flow_runs%'", watcher);
                return (long)(await waiting.ExecuteScalarAsync())! > 0;
            },
            "the sweep's insert of the first slot waits for the other writer's uncommitted run", TimeSpan.FromSeconds(60));
        await transaction.CommitAsync();

        // The sweep went on with the later slots (at least 3 runs and an hour ahead): the rival's run and the sweep's own.
        var runs = await Eventually.ValueAsync(async () => (await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Items,
            items => items.Count >= 3, "the sweep made the later slots' runs", TimeSpan.FromSeconds(60));
        var made = new List<string>();
        foreach (var summary in runs.Where(run => run.Id != rivalId))
        {
            made.Add((await client.GetFlowRunAsync(summary.Id)).Traceparent!.Split('-')[2]);
        }

        Assert.Single(runs, run => run.Id == rivalId);
        Assert.DoesNotContain(runs, run => run.Id != rivalId && run.ExpectedStartTime == anchor);
        await Eventually.WaitUntilAsync(() => Task.FromResult(made.All(spanId => receiver.Spans.Any(span => span.SpanId == spanId))),
            "the root spans of the runs the sweep made are exported", TimeSpan.FromSeconds(60));
        // The sweep's span ends after every root span it started; once it has arrived, so has any root span of that sweep.
        await Eventually.WaitUntilAsync(() => Task.FromResult(receiver.Spans.Any(span => span.Name == "bosun.sweep SchedulerService")),
            "the sweep's span is exported", TimeSpan.FromSeconds(60));
        var roots = receiver.Spans.Where(span => span.Name == "bosun.flow_run.create").ToList();
        Assert.Equal(made.Order(StringComparer.Ordinal), roots.Select(span => span.SpanId).Order(StringComparer.Ordinal));
    }
}
