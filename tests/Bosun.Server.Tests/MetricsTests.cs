using System.Net;
using System.Net.Http.Headers;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>/metrics in the Prometheus text format through the real server (docs/operations.md), parsed line by line.</summary>
public sealed class MetricsTests
{
    /// <summary>Every sample of the scrape: name, labels, value; fails on a line that is neither a comment nor a sample.</summary>
    private static async Task<List<PrometheusSample>> ScrapeAsync(TestServer server, string? apiKey = null)
    {
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A pool with one deployment and, when <paramref name="dueNow"/>, one run due now.</summary>
    private static async Task<Deployment> PoolWithRunAsync(BosunClient client, string pool, bool dueNow = true, int? deploymentLimit = null)
    {
        await client.PoolAsync(pool);
        var deployment = await client.DeploymentAsync(pool, name: pool, limit: deploymentLimit);
        if (dueNow)
        {
            await client.RunAsync(deployment);
        }

        return deployment;
    }

    [Fact]
    public async Task Metrics_EachWaitingReason_CountedUnderItsPoolQueueAndReason()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;

        var future = await PoolWithRunAsync(client, "future", dueNow: false);
        await client.RunAsync(future, TimeProvider.System.GetUtcNow().AddHours(1));
        await client.RunAsync(future, TimeProvider.System.GetUtcNow().AddHours(2));
        await PoolWithRunAsync(client, "paused");
        await client.PauseWorkPoolAsync("paused");
        await PoolWithRunAsync(client, "queue-paused");
        await client.PauseWorkQueueAsync("queue-paused", "default");
        var poolFull = await PoolWithRunAsync(client, "pool-full");
        await client.ClaimAsync("pool-full", max: 1);
        await client.SetWorkPoolConcurrencyLimitAsync("pool-full", 1);
        await client.RunAsync(poolFull);
        var queueFull = await PoolWithRunAsync(client, "queue-full");
        await client.ClaimAsync("queue-full", max: 1);
        await client.SetWorkQueueConcurrencyLimitAsync("queue-full", "default", 1);
        await client.RunAsync(queueFull);
        var deploymentFull = await PoolWithRunAsync(client, "deployment-full", deploymentLimit: 1);
        await client.ClaimAsync("deployment-full", max: 1);
        await client.RunAsync(deploymentFull);
        await PoolWithRunAsync(client, "no-worker");
        await PoolWithRunAsync(client, "worker-online");
        await client.SendWorkerHeartbeatAsync("worker-online", new WorkerHeartbeat("idle", HeartbeatIntervalSeconds: 30));
        var retrying = await PoolWithRunAsync(client, "retrying", dueNow: false);
        var run = await client.CreateFlowRunAsync(retrying.Id, new FlowRunCreate(Retries: 1, RetryDelaySeconds: 3600));
        await client.ClaimAsync("retrying");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        Assert.Equal(StateNames.AwaitingRetry, (await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: "boom"))).State.Name);

        var waiting = (await ScrapeAsync(server)).Where(sample => sample.Name == "bosun_runs_waiting")
            .ToDictionary(sample => (sample.Labels["pool"], sample.Labels["queue"], sample.Labels["reason"]), sample => sample.Value);

        Assert.Equal(2, waiting[("future", "default", "scheduled")]);
        Assert.Equal(1, waiting[("paused", "default", "pool_paused")]);
        Assert.Equal(1, waiting[("queue-paused", "default", "queue_paused")]);
        Assert.Equal(1, waiting[("pool-full", "default", "pool_limit")]);
        Assert.Equal(1, waiting[("pool-full", "default", "starting_infrastructure")]);
        Assert.Equal(1, waiting[("queue-full", "default", "queue_limit")]);
        Assert.Equal(1, waiting[("deployment-full", "default", "deployment_limit")]);
        Assert.Equal(1, waiting[("no-worker", "default", "no_worker")]);
        Assert.Equal(1, waiting[("worker-online", "default", "waiting_for_worker")]);
        Assert.Equal(1, waiting[("retrying", "default", "awaiting_retry")]);
        // Every run created here waits, and is counted once.
        Assert.Equal(13, waiting.Values.Sum());
    }

    [Fact]
    public async Task Metrics_AfterClaimsAndLogs_StateGaugesHistogramsAndCounters()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        var deployment = await PoolWithRunAsync(client, "p");
        await client.RunAsync(deployment);
        var claimed = (await client.ClaimAsync("p", max: 1, worker: "w")).Runs;
        await client.CompleteAsync(Assert.Single(claimed).FlowRun.Id);
        await client.WriteLogsAsync([new LogCreate(claimed[0].FlowRun.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "one", LogSource.Flow),
            new LogCreate(claimed[0].FlowRun.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "two", LogSource.Flow)]);

        var samples = await ScrapeAsync(server);

        double Value(string name, params (string Label, string Value)[] labels)
        {
            var matches = samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).ToList();
            Assert.True(matches.Count == 1, $"{matches.Count} samples of {name}; the scrape has {string.Join(", ", samples.Select(s => s.Name).Distinct())}");
            return matches[0].Value;
        }

        Assert.Equal(1, Value("bosun_runs", ("state", "COMPLETED"), ("deployment", "flow/p")));
        Assert.Equal(1, Value("bosun_runs", ("state", "SCHEDULED"), ("deployment", "flow/p")));
        Assert.Equal(1, Value("bosun_workers_online", ("pool", "p")));
        Assert.Equal(2, Value("bosun_log_lines_ingested_total"));
        Assert.Equal(1, Value("bosun_claim_delay_seconds_count", ("pool", "p")));
        Assert.Equal(1, Value("bosun_claim_delay_seconds_bucket", ("pool", "p"), ("le", "+Inf")));
        Assert.Equal(1, Value("bosun_claim_duration_seconds_count", ("pool", "p")));
        Assert.Contains(samples, s => s.Name == "http_server_request_duration_seconds_count" && (s.Labels.GetValueOrDefault("http_route")?.EndsWith("/claim", StringComparison.Ordinal) ?? false));
        if (TestDatabases.UsePostgres)
        {
            Assert.DoesNotContain(samples, s => s.Name.StartsWith("bosun_store_write", StringComparison.Ordinal));
        }
        else
        {
            // The pool, the deployment, two runs, the claim, COMPLETED and the log batch are writes; no two waited together here.
            Assert.InRange(Value("bosun_store_writes_total"), 7, 1000);
            Assert.InRange(Value("bosun_store_write_transactions_total"), 1, Value("bosun_store_writes_total"));
        }
    }

    [Fact]
    public async Task Metrics_ServerRequiresKeys_RefusedWithoutOneAllowedForAViewer()
    {
        await using var server = await TestServer.StartAsync();
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
        using var asAdmin = server.NewClient(admin);
        var viewer = (await asAdmin.CreateApiKeyAsync(new ApiKeyCreate("prometheus", ApiKeyRole.Viewer))).Key;
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };

        using var refused = await http.GetAsync(new Uri("metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        // The refused request is counted like any other, under its route and status. ASP.NET Core records a request's
        // duration once the request has ended, which can be just after the client has its answer (a loaded CI machine
        // scraped while the refused request was still active), so the scrape is repeated until it shows up.
        await Eventually.WaitUntilAsync(async () => (await ScrapeAsync(server, viewer)).Any(sample => sample.Name == "http_server_request_duration_seconds_count"
            && sample.Labels.GetValueOrDefault("http_route") == "/metrics" && sample.Labels.GetValueOrDefault("http_response_status_code") == "401"),
            "the refused scrape is counted under /metrics with status 401");
    }
    [Fact]
    public async Task Metrics_SwitchedOff_NotFoundProblemNamingTheSetting()
    {
        await using var server = await TestServer.StartAsync(configure: options => options.DisableMetrics = true);
        await PoolWithRunAsync(server.Client, "off");
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        // A scraper asks for text; the refusal is still a problem document.
        request.Headers.Accept.ParseAdd("text/plain");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("--no-metrics", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
