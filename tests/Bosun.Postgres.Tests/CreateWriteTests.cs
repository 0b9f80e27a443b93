using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;
using Bosun.Testing;
using Npgsql;
using static Bosun.Postgres.Tests.PostgresProbe;

namespace Bosun.Postgres.Tests;

/// <summary>
/// A run's create reads its deployment, then writes in one command: the run's insert, with its history, outbox and audit
/// rows. On PostgreSQL it opens no transaction around them (issue 23): the command is atomic in its batch's implicit
/// transaction, and no COMMIT costs a round trip of its own. A transaction holds the locks its reads took until it
/// ends; so while the insert waits, the create must hold nothing its read of the deployment took. And what it wrote
/// stands once written, so a database lost afterwards must not be answered as if nothing had changed. (That the
/// command is atomic is <c>LeastPrivilegeTests.AuditWrite_StoreRefusesTheEntry_ChangeRolledBackAnswered500_RefusalStill403</c>'s:
/// a refused audit entry leaves no run.)
/// </summary>
public sealed class CreateWriteTests
{
    [Fact]
    public async Task CreateFlowRun_InsertWaitingForALock_HoldsNothingItsReadTook()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        // The background sweeps, which take rows of flow_runs as well, wait a day.
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromDays(1), postgres: true);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await using var holder = await ConnectAsync(server);
        await using var transaction = await holder.BeginTransactionAsync();
        // Reads go on (ACCESS SHARE), inserts wait (ROW EXCLUSIVE).
        var (create, pid) = await CreateWaitingAsync(client, deployment.Id, holder, transaction, "LOCK TABLE flow_runs IN EXCLUSIVE MODE", "INSERT INTO flow_runs", "the create's insert");
        await using (var locks = new NpgsqlCommand(
            "SELECT string_agg(mode, ', ') FROM pg_locks WHERE pid = @pid AND granted AND relation IN ('deployments'::regclass, 'work_pools'::regclass)", holder))
        {
            locks.Parameters.AddWithValue("pid", pid);
            var held = await locks.ExecuteScalarAsync();
            Assert.True(held is DBNull, $"the create's insert waits holding what its read of the deployment took: {held}");
        }

        await transaction.CommitAsync();
        var run = await create.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(StateType.Scheduled, (await client.GetFlowRunAsync(run.Id)).State.Type);
    }

    /// <summary>
    /// With no transaction to undo it, a run written before the database is lost is answered, not refused: a 503 says
    /// that nothing was changed, and the client (which retries a 503) would create the run a second time. Here the
    /// create's read of its waiting reason, after the insert, waits for a lock on workers the test holds, and the test
    /// ends that backend. The run is sent to another queue than its deployment's: for a run of the deployment's own queue,
    /// the create reads what its waiting reason needs with the deployment, before the insert (one round trip fewer).
    /// </summary>
    [Fact]
    public async Task CreateFlowRun_DatabaseLostAfterTheInsert_AnsweredWithTheRunAndNoSecondRun()
    {
        if (!PostgresRequired.Cluster())
        {
            return;
        }

        // The background sweeps, which take rows of flow_runs as well, wait a day.
        await using var server = await TestServer.StartAsync(configure: options => options.ServiceInterval = TimeSpan.FromDays(1), postgres: true);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p");
        await client.CreateWorkQueueAsync("p", new Contracts.WorkPools.WorkQueueCreate("other"));
        await using var holder = await ConnectAsync(server);
        await using var transaction = await holder.BeginTransactionAsync();
        // Read by the waiting reason of a run on another queue (its pool's online workers), and by nothing the create does before.
        var (create, pid) = await CreateWaitingAsync(client, deployment.Id, holder, transaction, "LOCK TABLE workers IN ACCESS EXCLUSIVE MODE", "FROM workers",
            "the create's waiting reason", new FlowRunCreate(WorkQueueName: "other"));
        await ExecuteAsync(holder, $"SELECT pg_terminate_backend({pid})", transaction);
        var run = await create.WaitAsync(TimeSpan.FromSeconds(60));
        await transaction.CommitAsync();

        Assert.Null(run.WaitingReason);
        var runs = await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id));
        Assert.Equal([run.Id], runs.Items.Select(r => r.Id));
        Assert.False(string.IsNullOrEmpty((await client.GetFlowRunAsync(run.Id)).WaitingReason), "GET explains what the answer could not");
    }

    /// <summary>
    /// Takes a lock in the test's own transaction (<paramref name="lockStatement"/>), starts a create of a run of the
    /// deployment, and waits until its statement containing <paramref name="statementText"/> waits for that lock: the
    /// create, not yet answered, and the backend that waits.
    /// </summary>
    private static async Task<(Task<FlowRun> Create, int Pid)> CreateWaitingAsync(
        BosunClient client, Guid deploymentId, NpgsqlConnection holder, NpgsqlTransaction transaction, string lockStatement, string statementText, string what,
        FlowRunCreate? request = null)
    {
        await ExecuteAsync(holder, lockStatement, transaction);
        var create = client.CreateFlowRunAsync(deploymentId, request ?? new FlowRunCreate());
        await Eventually.WaitUntilAsync(async () => await ReadWaitingAsync(holder, statementText) is not null || create.IsCompleted, $"{what} waits for the lock");
        Assert.False(create.IsCompleted, $"{what} did not wait for the lock: {create.Exception?.GetBaseException().Message ?? "the run was made"}");
        return (create, (await ReadWaitingAsync(holder, statementText))!.Value);
    }

    /// <summary>The backend whose statement containing <paramref name="text"/> waits for a lock; null when none does.</summary>
    private static async Task<int?> ReadWaitingAsync(NpgsqlConnection connection, string text) =>
        await ActivityAsync(connection, $"""
            (SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%{text}%' LIMIT 1)
            """) as int?;
}
