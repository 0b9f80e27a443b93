using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// Worker keys scoped to pools, the audit log (every change, who made it, never a secret value) and web UI sessions that
/// survive a restart and work on a second replica (data-protection keys in the store).
/// </summary>
public sealed partial class LeastPrivilegeTests
{
    private static async Task<(BosunClient Admin, string AdminKey)> AdminAsync(TestServer server)
    {
        var key = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("root", ApiKeyRole.Admin))).Key;
        return (server.NewClient(key), key);
    }

    [Fact]
    public async Task WorkerKeyForPoolA_ClaimHeartbeatAndRunsOfPoolB_403_OwnPoolWorks()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, _) = await AdminAsync(server);
        using var _admin = admin;
        await admin.PoolAsync("a");
        await admin.PoolAsync("b");
        var runA = await admin.RunAsync(await admin.DeploymentAsync("a", name: "on-a"));
        var runB = await admin.RunAsync(await admin.DeploymentAsync("b", name: "on-b"));
        var created = await admin.CreateApiKeyAsync(new ApiKeyCreate("worker-a", ApiKeyRole.Worker) { Pools = ["a"] });
        Assert.Equal(["a"], created.ApiKey.Pools);
        using var worker = server.NewClient(created.Key);

        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.ClaimAsync("b"), "serves the work pools a only", "work pool 'b'");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.SendWorkerHeartbeatAsync("b", new WorkerHeartbeat("w1")), "work pool 'b'");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.GetFlowRunAsync(runB.Id), $"flow run {runB.Id}");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.SetFlowRunStateAsync(runB.Id, new StateProposal(StateType.Pending)), "work pool 'b'");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.IssueRunTokenAsync(runB.Id), "work pool 'b'");
        // A batch that names a run of pool B is refused whole: pool A's run in it is not moved either.
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.SetFlowRunStatesAsync(new FlowRunStateBatch(
            [new FlowRunStateProposal(runA.Id, new StateProposal(StateType.Cancelled)), new FlowRunStateProposal(runB.Id, new StateProposal(StateType.Pending))])),
            $"flow run {runB.Id}", "work pool 'b'");
        Assert.Equal(StateType.Scheduled, (await admin.GetFlowRunAsync(runA.Id)).State.Type);
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.ClaimServedFlowRunsAsync(new ServedClaimRequest("w1", [runB.DeploymentId!.Value])), "served");

        await worker.SendWorkerHeartbeatAsync("a", new WorkerHeartbeat("w1"));
        var claimed = Assert.Single((await worker.ClaimAsync("a")).Runs);
        Assert.Equal(runA.Id, claimed.FlowRun.Id);
        await worker.CompleteAsync(runA.Id);
        Assert.Equal(StateType.Completed, (await worker.GetFlowRunAsync(runA.Id)).State.Type);
        // Pool B's run was never touched.
        Assert.Equal(StateType.Scheduled, (await admin.GetFlowRunAsync(runB.Id)).State.Type);
    }

    [Fact]
    public async Task WorkerKeyForPoolA_ListsCountsAndFiltersOnlyPoolARuns_LogsAndTaskRunsOfPoolB_403()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, _) = await AdminAsync(server);
        using var _admin = admin;
        await admin.PoolAsync("a");
        await admin.PoolAsync("b");
        var onA = await admin.DeploymentAsync("a", name: "on-a");
        var onB = await admin.DeploymentAsync("b", name: "on-b");
        Guid[] runsA = [(await admin.RunAsync(onA)).Id, (await admin.RunAsync(onA)).Id];
        var runB = await admin.RunAsync(onB);
        var taskB = Guid.NewGuid();
        await admin.RecordTaskRunsAsync([new Contracts.TaskRuns.TaskRunReport(taskB, runB.Id, "fetch", 1, Contracts.TaskRuns.TaskRunStateType.Running, 1)]);
        using var worker = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("worker-a", ApiKeyRole.Worker) { Pools = ["a"] })).Key);
        using var http = new HttpClient { BaseAddress = server.ApiUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await admin.CreateApiKeyAsync(new ApiKeyCreate("worker-a2", ApiKeyRole.Worker) { Pools = ["a"] })).Key);

        // Every run of the store: the admin's page counts three; the key's pages and counts hold pool a's two only.
        Assert.Equal(3, (await admin.ListFlowRunsAsync()).Total);
        var listed = await worker.ListFlowRunsAsync();
        Assert.Equal(2, listed.Total);
        Assert.Equal(runsA.Order(), listed.Items.Select(r => r.Id).Order());
        Assert.Equal(2, (await worker.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Scheduled]))).Total);
        Assert.Equal(2, (await worker.ListFlowRunsAsync(new FlowRunFilter(WorkPoolName: "a"))).Total);
        Assert.Equal(0, (await worker.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: onB.Id))).Total);
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.ListFlowRunsAsync(new FlowRunFilter(WorkPoolName: "b")), "work pool 'b'");
        // The GET list answers the same.
        var page = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/flow_runs", UriKind.Relative)))!;
        Assert.Equal(2, page["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(new Uri("/api/flow_runs?work_pool=b", UriKind.Relative))).StatusCode);
        // Another pool's run, its logs and its task runs: 403, as its other routes.
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.ReadLogsAsync(runB.Id), $"flow run {runB.Id}");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.ListTaskRunsAsync(runB.Id), $"flow run {runB.Id}");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.GetTaskRunAsync(taskB), $"task run {taskB}");
        Assert.Equal(runB.Id, (await admin.GetTaskRunAsync(taskB)).FlowRunId);
        Assert.Empty((await worker.ReadLogsAsync(runsA[0])).Items);
    }

    [Fact]
    public async Task CreateKey_PoolsOnANonWorkerKey_422()
    {
        await using var server = await TestServer.StartAsync();

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateApiKeyAsync(new ApiKeyCreate("dev", ApiKeyRole.Developer) { Pools = ["a"] }), "only a worker key serves named pools");
    }

    [Fact]
    public async Task EveryChange_AuditedWithKeyRouteAndSummary_NoSecretValue_RuntimeTrafficNot()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, _) = await AdminAsync(server);
        using var _admin = admin;
        using var developer = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("dev", ApiKeyRole.Developer))).Key);
        using var viewer = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("view", ApiKeyRole.Viewer))).Key);
        const string secretValue = "hunter2-very-secret";

        await admin.SetSecretAsync("db-password", secretValue);
        await admin.PoolAsync("p");
        await admin.CreateWorkQueueAsync("p", new WorkQueueCreate("fast"));
        await admin.UpdateWorkPoolAsync("p", new WorkPoolUpdate(Description: "changed"));
        var deployment = await developer.UpsertDeploymentAsync(new("flow", "dep", Entrypoint: "test", WorkPoolName: "p",
            JobVariables: new JsonObject { ["env"] = new JsonObject { ["DB_PASSWORD"] = "{{ secret.db-password }}", ["TOKEN"] = secretValue } }));
        await developer.AddScheduleAsync(deployment.Id, new Contracts.Schedules.ScheduleSpec(IntervalSeconds: 3600));
        var cancelled = await developer.RunAsync(deployment, at: TimeProvider.System.GetUtcNow().AddHours(1));
        await developer.CancelFlowRunAsync(cancelled.Id);
        var run = await developer.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject { ["env.EXTRA"] = secretValue }));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => viewer.PauseWorkPoolAsync("p"));
        // A worker's traffic is a run's progress, not a change: claims, heartbeats and its state proposals (one at a time or
        // batched) are not audited.
        using var worker = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("worker", ApiKeyRole.Worker))).Key);
        Assert.Contains((await worker.ClaimAsync("p")).Runs, claimed => claimed.FlowRun.Id == run.Id);
        await worker.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("w1"));
        Assert.Equal(SetStateStatus.Accept, (await worker.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running))).Status);
        var batched = await worker.SetFlowRunStatesAsync(new FlowRunStateBatch([new FlowRunStateProposal(run.Id, new StateProposal(StateType.Completed))]));
        Assert.Equal(SetStateStatus.Accept, Assert.Single(batched.Results).Result!.Status);

        var entries = (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1))).Items;

        string[] expected = ["CreateApiKey", "CreateApiKey", "CreateApiKey", "CreateApiKey", "SetSecret", "CreateWorkPool", "CreateWorkQueue", "UpdateWorkPool", "UpsertDeployment", "AddSchedule",
            "CreateFlowRun", "CancelFlowRun", "CreateFlowRun", "PauseWorkPool"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), entries.Select(e => e.Action).Order(StringComparer.Ordinal));
        Assert.All(entries, e => Assert.DoesNotContain(secretValue, e.Summary, StringComparison.Ordinal));
        var secret = Assert.Single(entries, e => e.Action == "SetSecret");
        Assert.Equal(("root", "PUT /api/secrets/db-password", 204), (secret.KeyName, secret.Route, secret.Status));
        Assert.Equal("name=db-password; fields: value", secret.Summary);
        var upsert = Assert.Single(entries, e => e.Action == "UpsertDeployment");
        Assert.Equal("dev", upsert.KeyName);
        Assert.Contains("job_variables{env}", upsert.Summary, StringComparison.Ordinal);
        var refused = Assert.Single(entries, e => e.Action == "PauseWorkPool");
        Assert.Equal(("view", 403), (refused.KeyName, refused.Status));
        Assert.Contains(entries, e => e.Action == "CreateFlowRun" && e.Summary.Contains($"id={deployment.Id}", StringComparison.Ordinal) && e.Summary.Contains("job_variables{env.EXTRA}", StringComparison.Ordinal));
        Assert.Equal(["CreateApiKey", "CreateApiKey", "CreateApiKey", "CreateWorkPool", "CreateWorkQueue", "SetSecret", "UpdateWorkPool"],
            (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), "root")).Items.Select(e => e.Action).Order(StringComparer.Ordinal));
        Assert.Equal("anonymous", Assert.Single(entries, e => e.Action == "CreateApiKey" && e.Summary.Contains("name=\"root\"", StringComparison.Ordinal)).KeyName);
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => developer.ListAuditEntriesAsync(), "admin");
        Assert.NotEqual(Guid.Empty, run.Id);
    }

    [Fact]
    public async Task AuditWrite_StoreRefusesTheEntry_ChangeRolledBackAnswered500_RefusalStill403()
    {
        await using var server = await TestServer.StartAsync();
        var (admin, _) = await AdminAsync(server);
        using var _admin = admin;
        using var viewer = server.NewClient((await admin.CreateApiKeyAsync(new ApiKeyCreate("view", ApiKeyRole.Viewer))).Key);
        await admin.PoolAsync("kept");
        var deployment = await admin.DeploymentAsync("kept");
        var run = await admin.RunAsync(deployment, at: TimeProvider.System.GetUtcNow().AddHours(1));
        var database = server.Server.Services.GetRequiredService<Storage.BosunDatabase>();
        // A real store failure at the audit insert, in the change's own transaction: a trigger that refuses every entry.
        await AuditRefusal.RefuseAsync(database);

        // One write transaction (a pool), the one-statement state change (a cancellation) and a secret: none stands.
        await ApiAssert.FailsAsync(HttpStatusCode.InternalServerError, () => admin.PoolAsync("lost"));
        await ApiAssert.FailsAsync(HttpStatusCode.InternalServerError, () => admin.CancelFlowRunAsync(run.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.InternalServerError, () => admin.SetSecretAsync("lost-secret", "value"));
        // A run's create, whose entry goes in the same command as the run's insert.
        await ApiAssert.FailsAsync(HttpStatusCode.InternalServerError, () => admin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate()));
        // A refusal changes nothing: it is answered as it is even when its entry cannot be written.
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => viewer.PauseWorkPoolAsync("kept"));

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => admin.GetWorkPoolAsync("lost"));
        Assert.Equal(StateType.Scheduled, (await admin.GetFlowRunAsync(run.Id)).State.Type);
        Assert.DoesNotContain(await admin.ListSecretsAsync(), secret => secret.Name == "lost-secret");
        Assert.False((await admin.GetWorkPoolAsync("kept")).Paused);
        Assert.Equal(1, (await admin.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Total);

        await AuditRefusal.AllowAsync(database);
        await admin.PoolAsync("made");
        await admin.CancelFlowRunAsync(run.Id);
        var created = await admin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var entries = (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1))).Items;
        // Written with the change before the answer was known, then given the answer's status.
        Assert.Equal(201, Assert.Single(entries, e => e.Action == "CreateWorkPool" && e.Summary.Contains("\"made\"", StringComparison.Ordinal)).Status);
        Assert.DoesNotContain(entries, e => e.Summary.Contains("lost", StringComparison.Ordinal));
        Assert.Equal(StateType.Cancelled, (await admin.GetFlowRunAsync(run.Id)).State.Type);
        Assert.Single(entries, e => e.Action == "CancelFlowRun");
        // The first run's entry and the last's; none of the refused create.
        Assert.Equal([201, 201], entries.Where(e => e.Action == "CreateFlowRun" && e.Summary.Contains($"id={deployment.Id}", StringComparison.Ordinal)).Select(e => e.Status));
        Assert.Equal(2, (await admin.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: deployment.Id))).Total);
        Assert.NotEqual(run.Id, created.Id);
    }

    [Fact]
    public async Task AuditRetention_EntriesOlderThanTheSetting_Deleted()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(time, options => options.AuditRetention = TimeSpan.FromDays(7));
        await server.Client.PoolAsync("old");
        time.Advance(TimeSpan.FromDays(8));
        await server.Client.PoolAsync("new");

        // The service's own loop may sweep first (the advanced clock fires its timer); either way the old entry goes.
        var retention = server.Server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Orchestration.Audit.AuditRetentionService>().Single();
        await retention.SweepAsync(default);

        var left = Assert.Single((await server.Client.ListAuditEntriesAsync(TimeSpan.FromDays(30))).Items);
        Assert.Equal("name=\"new\"", Regex.Match(left.Summary, "name=\"[a-z]+\"").Value);
    }
}
