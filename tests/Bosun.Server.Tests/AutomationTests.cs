using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Automations;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.Automations;
using Bosun.Testing;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Bosun.Server.Tests;

/// <summary>Automations end to end: real server, real client, webhooks to a receiver on 127.0.0.1 whose payloads are checked.</summary>
public sealed class AutomationTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Fast retries; the sweeping services only run when a test calls them.</summary>
    internal static readonly Action<BosunServerOptions> Fast = options =>
    {
        options.AutomationRetryDelay = TimeSpan.FromMilliseconds(200);
        options.ServiceInterval = TimeSpan.FromDays(1);
    };

    internal static AutomationCreate OnFailed(string name, string url, string? deployment = "flow/dep") =>
        new(name, new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed], Deployment: deployment), [new AutomationAction(AutomationActionKind.Webhook, url)]);

    internal static async Task<FlowRun> FailedRunAsync(BosunClient client, Deployment deployment, string message = "boom")
    {
        var run = await client.RunAsync(deployment, TimeProvider.System.GetUtcNow().AddMinutes(-1));
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running))).Status);
        Assert.Equal(SetStateStatus.Accept, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: message))).Status);
        return run;
    }

    private static Task<IReadOnlyList<AutomationDelivery>> SettledHistoryAsync(BosunClient client, string automation, int count) =>
        Eventually.ValueAsync(() => client.AutomationHistoryAsync(automation),
            history => history.Count >= count && history.All(delivery => delivery.Status != DeliveryStatus.Pending), $"{count} settled deliveries of {automation}");

    [Fact]
    public async Task RunState_FailedRunOfMatchingDeployment_PostsEventOnceWithIdempotencyKey()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var watched = await client.DeploymentAsync("p", "dep", "flow");
        var other = await client.DeploymentAsync("p", "other", "flow");
        await client.CreateAutomationAsync(OnFailed("on-failure", receiver.BaseUrl + "hook"));

        await FailedRunAsync(client, other);
        var completed = await client.RunAsync(watched, TimeProvider.System.GetUtcNow().AddMinutes(-1));
        await client.CompleteAsync(completed.Id);
        var failed = await FailedRunAsync(client, watched, "division by zero");

        var request = Assert.Single(await receiver.WaitForAsync(1));
        var history = await SettledHistoryAsync(client, "on-failure", 1);
        var delivery = Assert.Single(history);
        Assert.Equal("/hook", request.Path);
        Assert.Equal(delivery.Id.ToString(), request.IdempotencyKey);
        Assert.Equal(failed.Id.ToString(), request.Body["event"]!["run"]!["id"]!.GetValue<string>());
        Assert.Equal("FAILED", request.Body["event"]!["run"]!["state"]!.GetValue<string>());
        Assert.Equal("division by zero", request.Body["event"]!["run"]!["message"]!.GetValue<string>());
        Assert.Equal("flow/dep", request.Body["event"]!["run"]!["deployment"]!.GetValue<string>());
        Assert.Equal("run_state", request.Body["event"]!["kind"]!.GetValue<string>());
        Assert.Equal("on-failure", request.Body["automation"]!["name"]!.GetValue<string>());
        Assert.Equal(DeliveryStatus.Delivered, delivery.Status);
        Assert.Equal(200, Assert.Single(delivery.AttemptLog).StatusCode);

        // A later failure is a new event: one more delivery, and the first is not sent again.
        await FailedRunAsync(client, watched);
        await receiver.WaitForAsync(2);
        Assert.Equal(2, (await SettledHistoryAsync(client, "on-failure", 2)).Count);
        Assert.Equal(2, receiver.Received.Select(r => r.IdempotencyKey).Distinct().Count());
    }

    [Fact]
    public async Task HistoryPage_TwoFiringsOfTwoActions_WalkedByCursorNewestFirstInActionOrderEachOnce()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        await client.CreateAutomationAsync(new AutomationCreate("two", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
            [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "a"), new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "b")]));
        await FailedRunAsync(client, deployment);
        await FailedRunAsync(client, deployment);
        var settled = await SettledHistoryAsync(client, "two", 4);

        var walked = new List<AutomationDelivery>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.AutomationHistoryPageAsync("two", cursor, limit: 3);
            Assert.Equal(4, page.Total);
            walked.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(2, pages);
        Assert.Equal(settled.OrderByDescending(d => d.Created).ThenBy(d => d.ActionIndex).Select(d => d.Id), walked.Select(d => d.Id));
        Assert.Equal(4, walked.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public async Task Webhook_TemplateSlackAndTeamsPresets_RenderBodies()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        var template = JsonNode.Parse("""{"text": "run {{ event.run.name }} is {{ event.run.state }}", "run": "{{ event.run }}", "missing": "{{ event.nope }}"}""");
        await client.CreateAutomationAsync(new AutomationCreate("bodies", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]),
        [
            new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "template", Body: template),
            new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "slack", Preset: WebhookPreset.Slack),
            new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "teams", Preset: WebhookPreset.Teams),
        ]));

        var run = await FailedRunAsync(client, deployment, "it broke");

        var byPath = (await receiver.WaitForAsync(3)).ToDictionary(r => r.Path);
        Assert.Equal($"run {run.Name} is FAILED", byPath["/template"].Body["text"]!.GetValue<string>());
        Assert.Equal(run.Id.ToString(), byPath["/template"].Body["run"]!["id"]!.GetValue<string>());
        Assert.Null(byPath["/template"].Body["missing"]);
        Assert.Equal($"*bodies*: Flow run '{run.Name}' of flow/dep entered Failed: it broke", byPath["/slack"].Body["text"]!.GetValue<string>());
        Assert.Equal("MessageCard", byPath["/teams"].Body["@type"]!.GetValue<string>());
        Assert.Contains(run.Name, byPath["/teams"].Body["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_ReceiverFailsThenRecovers_DeliveredOnceAndLedgerShowsAttempts()
    {
        using var receiver = new WebhookReceiver(n => n switch { 0 => 500, 1 => 503, _ => 200 });
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        await client.CreateAutomationAsync(OnFailed("flaky", receiver.BaseUrl));

        await FailedRunAsync(client, deployment);

        var delivery = Assert.Single(await SettledHistoryAsync(client, "flaky", 1));
        Assert.Equal(DeliveryStatus.Delivered, delivery.Status);
        Assert.Equal(3, delivery.Attempts);
        Assert.Equal([500, 503, 200], delivery.AttemptLog.Select(a => a.StatusCode ?? 0));
        Assert.NotNull(delivery.AttemptLog[0].Error);
        Assert.Null(delivery.AttemptLog[2].Error);
        Assert.True(delivery.AttemptLog[1].Started - delivery.AttemptLog[0].Started >= TimeSpan.FromMilliseconds(190), "the retry waited its delay");
        var received = receiver.Received;
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.IdempotencyKey).Distinct());
    }

    [Fact]
    public async Task Webhook_HangingReceiver_TimesOutWithoutHoldingUpOtherDeliveries()
    {
        using var hanging = new WebhookReceiver(_ => WebhookReceiver.Hang);
        using var healthy = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            Fast(options);
            options.AutomationWebhookTimeout = TimeSpan.FromSeconds(2);
            options.AutomationMaxAttempts = 2;
        });
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        await client.CreateAutomationAsync(OnFailed("hangs", hanging.BaseUrl));

        await FailedRunAsync(client, deployment);
        await hanging.WaitForAsync(1);
        // While the first attempt hangs, another rule's delivery and the API go on.
        await client.CreateAutomationAsync(OnFailed("healthy", healthy.BaseUrl));
        await FailedRunAsync(client, deployment);
        await healthy.WaitForAsync(1);
        Assert.Equal("ok", (await client.GetHealthAsync()).Status);
        Assert.Equal(DeliveryStatus.Delivered, Assert.Single(await SettledHistoryAsync(client, "healthy", 1)).Status);

        var given = await Eventually.ValueAsync(() => client.AutomationHistoryAsync("hangs"),
            history => history.Count == 2 && history.All(d => d.Status == DeliveryStatus.Failed), "both hanging deliveries given up after 2 attempts", TimeSpan.FromSeconds(60));
        Assert.All(given, delivery =>
        {
            Assert.Equal(2, delivery.AttemptLog.Count);
            Assert.All(delivery.AttemptLog, attempt =>
            {
                Assert.Null(attempt.StatusCode);
                Assert.Equal("no answer within 2 s", attempt.Error);
                Assert.InRange(attempt.DurationMs, 1900, 20_000);
            });
        });
    }

    [Fact]
    public async Task Threshold_ThreeFailuresWithinWindow_FiresOnceWithCount()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        await client.CreateAutomationAsync(new AutomationCreate("three-in-ten",
            new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed], Threshold: 3, WithinMinutes: 10),
            [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + "threshold")]));
        // Fires on every failure: shows when each failure has been matched.
        await client.CreateAutomationAsync(OnFailed("every", receiver.BaseUrl + "every"));

        for (var i = 0; i < 4; i++)
        {
            await FailedRunAsync(client, deployment);
        }

        await SettledHistoryAsync(client, "every", 4);
        var threshold = await SettledHistoryAsync(client, "three-in-ten", 1);
        Assert.Single(threshold);
        var request = Assert.Single(receiver.Received, r => r.Path == "/threshold");
        Assert.Equal(3, request.Body["event"]!["count"]!.GetValue<int>());
        Assert.Equal(4, receiver.Received.Count(r => r.Path == "/every"));
    }

    [Fact]
    public async Task Triggers_WaitingPoolWorkerAndSkippedSlot_FireOncePerOccurrenceWithDetails()
    {
        using var receiver = new WebhookReceiver();
        var clock = new FakeTimeProvider(Start);
        await using var server = await TestServer.StartAsync(clock, Fast);
        var client = server.Client;
        Task<Automation> Rule(string name, AutomationTrigger trigger) =>
            client.CreateAutomationAsync(new AutomationCreate(name, trigger, [new AutomationAction(AutomationActionKind.Webhook, receiver.BaseUrl + name)]));
        await Rule("waiting", new AutomationTrigger(AutomationTriggerKind.RunWaiting, ForMinutes: 10));
        await Rule("pool", new AutomationTrigger(AutomationTriggerKind.PoolNotReady, WorkPool: "p", ForMinutes: 5));
        await Rule("worker", new AutomationTrigger(AutomationTriggerKind.WorkerOffline, WorkPool: "p"));
        await Rule("skipped", new AutomationTrigger(AutomationTriggerKind.ScheduleSkipped, Deployment: "flow/minutely"));
        await client.PoolAsync("p");
        await client.PoolAsync("other");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        var late = await client.RunAsync(deployment, Start);
        var scheduled = await client.UpsertDeploymentAsync(new DeploymentUpsert("flow", "minutely", "cmd", WorkPoolName: "other",
            Schedules: [new ScheduleSpec(IntervalSeconds: 60, Anchor: Start)], CatchUp: CatchUpPolicy.Latest));
        var scheduler = server.HostedService<Orchestration.Scheduling.SchedulerService>();
        var conditions = server.HostedService<AutomationConditionService>();
        await scheduler.SweepAsync(CancellationToken.None);

        // 11 minutes on: the run has waited past 10 minutes, the pool has had no worker past 5; the minutely schedule's
        // missed slots are skipped (LATEST) when the scheduler next looks.
        clock.Advance(TimeSpan.FromMinutes(11));
        await scheduler.SweepAsync(CancellationToken.None);
        await client.ClaimFlowRunsAsync("other", new ClaimRequest("w-other", 1000, PrefetchSeconds: 0));
        Assert.True((await client.GetDeploymentAsync(scheduled.Id)).SkippedRuns > 0);
        await conditions.SweepAsync(CancellationToken.None);
        await conditions.SweepAsync(CancellationToken.None);

        var waiting = Assert.Single(await Eventually.ValueAsync(() => Task.FromResult(receiver.Received.Where(r => r.Path == "/waiting").ToList()), r => r.Count > 0,
            "the waiting-run webhook")).Body["event"]!;
        Assert.Equal(late.Id.ToString(), waiting["run"]!["id"]!.GetValue<string>());
        Assert.StartsWith("no worker online for pool 'p'", waiting["waiting_reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var pool = await Eventually.ValueAsync(() => Task.FromResult(receiver.Received.Where(r => r.Path == "/pool").ToList()), r => r.Count > 0, "the pool webhook");
        Assert.Equal("p", Assert.Single(pool).Body["event"]!["work_pool"]!["name"]!.GetValue<string>());
        var skippedRuns = (await client.GetDeploymentAsync(scheduled.Id)).SkippedRuns;
        var skipped = await Eventually.ValueAsync(() => Task.FromResult(receiver.Received.Where(r => r.Path == "/skipped").ToList()),
            r => r.Count >= skippedRuns, "a webhook per skipped slot");
        Assert.Equal(skippedRuns, skipped.Count);
        Assert.All(skipped, r => Assert.Equal("flow/minutely", r.Body["event"]!["deployment"]!["name"]!.GetValue<string>()));

        // Each delivery so far recorded as delivered before the clock jumps: an attempt still recording its answer when six
        // minutes pass would have outlived its lease and be tried again (a second "/pool" webhook, seen under load).
        foreach (var rule in (string[])["waiting", "pool", "skipped"])
        {
            await Eventually.WaitUntilAsync(async () => (await client.AutomationHistoryAsync(rule)).All(d => d.Status == DeliveryStatus.Delivered),
                $"the '{rule}' deliveries recorded as delivered");
        }

        // A worker comes and goes: it goes offline once (one event), and the pool's new outage is a new event.
        await client.SendWorkerHeartbeatAsync("p", new WorkerHeartbeat("w1", HeartbeatIntervalSeconds: 10));
        clock.Advance(TimeSpan.FromMinutes(6));
        await conditions.SweepAsync(CancellationToken.None);
        await conditions.SweepAsync(CancellationToken.None);
        var offline = await Eventually.ValueAsync(() => Task.FromResult(receiver.Received.Where(r => r.Path == "/worker").ToList()), r => r.Count > 0, "the worker-offline webhook");
        Assert.Equal("w1", Assert.Single(offline).Body["event"]!["worker"]!["name"]!.GetValue<string>());
        await Eventually.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count(r => r.Path == "/pool") == 2), "the pool's second outage");
        Assert.Single(receiver.Received, r => r.Path == "/waiting");
        Assert.Single((await client.AutomationHistoryAsync("waiting")));
    }

    [Fact]
    public async Task Actions_RunPauseResumeCancelRetryNotify_ChangeTheServer()
    {
        using var channel = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        await client.PoolAsync("spare");
        var failing = await client.DeploymentAsync("p", "dep", "flow");
        var cleanup = await client.DeploymentAsync("p", "cleanup", "flow");
        var stuck = await client.DeploymentAsync("p", "stuck", "flow");
        await client.SetSecretAsync("ops-channel", channel.BaseUrl + "channel");
        await client.CreateAutomationAsync(new AutomationCreate("react", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed], Deployment: "flow/dep"),
        [
            new AutomationAction(AutomationActionKind.RunDeployment, Deployment: "flow/cleanup", Parameters: JsonNode.Parse("""{"failed_run": "{{ event.run.id }}"}""")!.AsObject()),
            new AutomationAction(AutomationActionKind.PauseDeployment),
            new AutomationAction(AutomationActionKind.PauseWorkPool, WorkPool: "spare"),
            new AutomationAction(AutomationActionKind.RetryRun),
            new AutomationAction(AutomationActionKind.Notify, Secret: "ops-channel", Preset: WebhookPreset.Teams),
        ]));
        await client.CreateAutomationAsync(new AutomationCreate("unstick", new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Running], Deployment: "flow/stuck"),
            [new AutomationAction(AutomationActionKind.CancelRun), new AutomationAction(AutomationActionKind.ResumeWorkPool, WorkPool: "spare")]));

        var failed = await FailedRunAsync(client, failing);

        var history = await SettledHistoryAsync(client, "react", 5);
        Assert.All(history, delivery => Assert.Equal(DeliveryStatus.Delivered, delivery.Status));
        var cleanupRun = Assert.Single((await client.ListFlowRunsAsync(new FlowRunFilter(DeploymentId: cleanup.Id))).Items);
        Assert.Equal(failed.Id.ToString(), (await client.GetFlowRunAsync(cleanupRun.Id)).Parameters["failed_run"]!.GetValue<string>());
        Assert.True((await client.GetDeploymentAsync(failing.Id)).Paused);
        Assert.True((await client.GetWorkPoolAsync("spare")).Paused);
        var retried = await client.GetFlowRunAsync(failed.Id);
        Assert.Equal(StateType.Scheduled, retried.State.Type);
        Assert.Contains("retried by automation 'react'", retried.State.Message, StringComparison.Ordinal);
        Assert.Equal("MessageCard", Assert.Single(await channel.WaitForAsync(1)).Body["@type"]!.GetValue<string>());

        var running = await client.RunAsync(stuck, TimeProvider.System.GetUtcNow().AddMinutes(-1));
        await client.SetFlowRunStateAsync(running.Id, new StateProposal(StateType.Running));
        Assert.All(await SettledHistoryAsync(client, "unstick", 2), delivery => Assert.Equal(DeliveryStatus.Delivered, delivery.Status));
        Assert.Equal(StateType.Cancelling, (await client.GetFlowRunAsync(running.Id)).State.Type);
        Assert.False((await client.GetWorkPoolAsync("spare")).Paused);
    }

    [Fact]
    public async Task Manage_PauseResumeDeleteAndBadRules_BehaveAndExplain()
    {
        using var receiver = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(configure: Fast);
        var client = server.Client;
        await client.PoolAsync("p");
        var deployment = await client.DeploymentAsync("p", "dep", "flow");
        var created = await client.CreateAutomationAsync(OnFailed("rule", receiver.BaseUrl + "rule"));
        await client.CreateAutomationAsync(OnFailed("marker", receiver.BaseUrl + "marker"));
        Assert.Equal(created.Name, (await client.GetAutomationAsync(created.Id.ToString())).Name);
        Assert.Equal(["marker", "rule"], (await client.ListAutomationsAsync()).Select(a => a.Name));

        Assert.False((await client.PauseAutomationAsync("rule")).Enabled);
        await FailedRunAsync(client, deployment);
        await SettledHistoryAsync(client, "marker", 1);
        Assert.Empty(await client.AutomationHistoryAsync("rule"));
        Assert.True((await client.ResumeAutomationAsync("rule")).Enabled);
        await FailedRunAsync(client, deployment);
        Assert.Single(await SettledHistoryAsync(client, "rule", 1));

        var duplicate = await Assert.ThrowsAsync<BosunApiException>(() => client.CreateAutomationAsync(OnFailed("rule", receiver.BaseUrl)));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, duplicate.StatusCode);
        var bad = await Assert.ThrowsAsync<BosunApiException>(() => client.CreateAutomationAsync(new AutomationCreate("bad/name",
            new AutomationTrigger(AutomationTriggerKind.WorkerOffline, States: [StateType.Failed], Threshold: 2),
            [new AutomationAction(AutomationActionKind.Webhook, "ftp://x"), new AutomationAction(AutomationActionKind.CancelRun)])));
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal(["actions[0].url", "actions[1].kind", "name", "trigger.states", "trigger.within_minutes"], bad.Errors.Keys.Order(StringComparer.Ordinal));

        await client.DeleteAutomationAsync("rule");
        var missing = await Assert.ThrowsAsync<BosunApiException>(() => client.GetAutomationAsync("rule"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>
    /// The dispatcher is woken by every state change and every creation. With nothing in the outbox and nothing due it
    /// answers from a reader: here another connection holds the store's write lock throughout (SQLite: BEGIN IMMEDIATE;
    /// PostgreSQL: both tables locked against row locks, plain reads allowed), so a step that took the writer would wait.
    /// </summary>
    [Fact]
    public async Task Dispatcher_NothingToMatchOrDeliver_DoesNotTakeTheWriter()
    {
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            Fast(options);
            options.NoAutomationDispatch = true;
        });
        var dispatcher = server.HostedService<AutomationDispatcher>();
        var database = await TestDatabases.ForDirectoryAsync(server.Directory);
        await using System.Data.Common.DbConnection other = TestDatabases.UsePostgres ? new NpgsqlConnection(database) : new SqliteConnection($"Data Source={database}");
        await other.OpenAsync();
        await other.ExecuteAsync(TestDatabases.UsePostgres
            ? "BEGIN; LOCK TABLE automation_outbox, automation_deliveries IN EXCLUSIVE MODE"
            : "BEGIN IMMEDIATE");

        // Well inside SQLite's 30 s busy timeout: a step that waited for the lock fails here instead of answering.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (var wake = 0; wake < 10; wake++)
        {
            Assert.Equal(0, await dispatcher.MatchOutboxAsync(deadline.Token));
            Assert.Empty(await dispatcher.StartDueAsync(deadline.Token));
        }

        await other.ExecuteAsync("ROLLBACK");
    }
}
