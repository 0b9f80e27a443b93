using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Docker.Tests;
using Bosun.Testing;
using k8s;
using k8s.Models;

namespace Bosun.Kubernetes.Tests;

/// <summary>Jobs outlive their workers: a killed, restarted or drained worker's Jobs are adopted; left-over Jobs are deleted.</summary>
public sealed class ReconciliationTests
{
    private const string Pool = "k8s-pool";

    [SkippableFact]
    public async Task WorkerKilledAndRestarted_JobAdoptedAndTheRunCompletesWithEveryOutputLineOnce()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; {BusyboxFlow.Propose("COMPLETED")}");
        var environment = new Dictionary<string, string?> { ["BOSUN_API_URL"] = k8s.Server.ApiUrl.ToString(), ["KUBECONFIG"] = k8s.Kubeconfig };
        string[] start = ["worker", "start", "--pool", Pool, "--type", "kubernetes", "--name", "worker-one", "--heartbeat-seconds", "1"];
        var first = ChildProcess.StartCli(start, environment);
        await first.WaitForLineAsync("started!");
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");

        first.Kill();
        await first.WaitForExitAsync();
        await first.DisposeAsync();
        await using var second = ChildProcess.StartCli(start, environment);
        await k8s.Client.LogsContainingAsync(run.Id, "Worker 'worker-one' adopted kubernetes infrastructure");
        routes["/go"] = "{}";
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}\n{second.OutputText}");
        var logs = await k8s.Client.LogsContainingAsync(run.Id, "released");
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "started" });
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "released" });
        Assert.Single(k8s.Emulator.Store.List("jobs", "default").Items);
    }

    [SkippableFact]
    public async Task WorkerKilledNotRestarted_AnotherWorkerAdoptsOnceItsHeartbeatExpiredBeforeTheSweepAndTheRunCompletesWithEveryLineOnce()
    {
        // The intervals in production's ratio (30 s heartbeats, 90 s worker timeout): a silent claimant's run is crashed
        // by the sweep 9 s after its last heartbeat, so the other worker must adopt and heartbeat it before that.
        await using var k8s = await KubernetesTest.StartAsync(configureServer: options =>
        {
            options.WorkerTimeout = TimeSpan.FromSeconds(9);
            options.ServiceInterval = TimeSpan.FromMilliseconds(250);
        });
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; {BusyboxFlow.Propose("COMPLETED")}");
        var environment = new Dictionary<string, string?> { ["BOSUN_API_URL"] = k8s.Server.ApiUrl.ToString(), ["KUBECONFIG"] = k8s.Kubeconfig };
        var killed = ChildProcess.StartCli(["worker", "start", "--pool", Pool, "--type", "kubernetes", "--name", "worker-a", "--heartbeat-seconds", "3"], environment);
        await killed.WaitForLineAsync("started!");
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");
        await using var other = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-b"));

        killed.Kill();
        await killed.WaitForExitAsync();
        await killed.DisposeAsync();
        var adopted = (await k8s.Client.LogsContainingAsync(run.Id, "Worker 'worker-b' adopted kubernetes infrastructure"))
            .Single(l => l.Message.StartsWith("Worker 'worker-b' adopted", StringComparison.Ordinal));
        var lastHeard = (await k8s.Client.ListWorkersAsync(Pool)).Single(w => w.Name == "worker-a").LastHeartbeat;
        var watched = await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id),
            r => r.LastHeartbeat > lastHeard + TimeSpan.FromSeconds(12) || r.State.Type.IsTerminal(), "the adopter heartbeated the run past the sweep's timeout",
            TimeSpan.FromSeconds(60));
        routes["/go"] = "{}";
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(StateType.Running, watched.State.Type);
        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        // Adopted once worker-a had missed two heartbeats (6 s), not while it could still be alive.
        Assert.True(adopted.Timestamp - lastHeard >= TimeSpan.FromSeconds(6), $"adopted {adopted.Timestamp - lastHeard} after worker-a's last heartbeat");
        Assert.Contains("(watched by 'worker-a' before)", adopted.Message, StringComparison.Ordinal);
        var logs = await k8s.Client.FinalLogsAsync(run.Id);
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "started" });
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "released" });
        var job = Assert.Single(k8s.Emulator.Store.List("jobs", "default").Items);
        Assert.Equal("worker-b", job["metadata"]!["labels"]!["io.bosun.worker-name"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task WorkerKilledWhilePodUnschedulable_AdopterSendsThePodsWaitingReason()
    {
        await using var k8s = await KubernetesTest.StartAsync(cpu: "1");
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, "exit 0", new JsonObject { ["cpu_request"] = "2", ["pod_start_timeout_seconds"] = 600 });
        var environment = new Dictionary<string, string?> { ["BOSUN_API_URL"] = k8s.Server.ApiUrl.ToString(), ["KUBECONFIG"] = k8s.Kubeconfig };
        var killed = ChildProcess.StartCli(["worker", "start", "--pool", Pool, "--type", "kubernetes", "--name", "worker-a", "--heartbeat-seconds", "1"], environment);
        await killed.WaitForLineAsync("started!");
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id), r => r.WaitingReason?.Contains("Insufficient cpu", StringComparison.Ordinal) == true,
            "worker-a sent the pod's waiting reason");

        killed.Kill();
        await killed.WaitForExitAsync();
        await killed.DisposeAsync();
        // Cleared (as its claimant may), so that only the adopter can set it again.
        await k8s.Client.SetFlowRunWaitingReasonAsync(run.Id, null, "worker-a");
        var cleared = await k8s.Client.GetFlowRunAsync(run.Id);
        await using var other = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-b"));
        await k8s.Client.LogsContainingAsync(run.Id, "Worker 'worker-b' adopted kubernetes infrastructure");
        var waiting = await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id),
            r => r.WaitingReason?.Contains("Insufficient cpu", StringComparison.Ordinal) == true || r.State.Type != StateType.Pending, "the adopter sent the pod's waiting reason");
        await k8s.Client.CancelFlowRunAsync(run.Id);
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal("claimed by worker 'worker-a', which is starting its infrastructure", cleared.WaitingReason);
        Assert.Equal(StateType.Pending, waiting.State.Type);
        Assert.Matches("^claimed by worker 'worker-a', which is starting its infrastructure: pod [a-z0-9-]+: (Unschedulable|FailedScheduling): 0/1 nodes are available: 1 Insufficient cpu",
            waiting.WaitingReason);
        Assert.Equal(StateType.Cancelled, done.State.Type);
    }

    [SkippableFact]
    public async Task AdoptedJobWithBackoffLimit_EarlierPodFailedBeforeAdoption_TheJobsFinalFailureIsTheOutcome()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; exit 3",
            new JsonObject { ["backoff_limit"] = 1, ["pod_watch_timeout_seconds"] = 600 });
        var first = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-a"));
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");
        await first.DisposeAsync();
        var job = (await k8s.Client.GetFlowRunAsync(run.Id)).InfrastructureId!;

        // While nobody watches: the first pod fails (evicted), the Job makes its last pod, which runs.
        var evicted = k8s.PodsOf(job).Single()["metadata"]!["name"]!.GetValue<string>();
        Assert.True(await k8s.Emulator.Node.EvictAsync("default", evicted, "The node was low on resource: memory."), "the pod was not running");
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.PodsOf(job).Any(p => p["metadata"]!["name"]!.GetValue<string>() != evicted
            && p["status"]?["phase"]?.GetValue<string>() == "Running")), "the Job's second pod runs");
        await using var adopter = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-b"));
        await k8s.Client.LogsContainingAsync(run.Id, "Worker 'worker-b' adopted kubernetes infrastructure");
        routes["/go"] = "{}";
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        // The second pod's failure is the Job's last (backoff_limit 1 counts the evicted pod), so the run ends at once.
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal("Flow run infrastructure exited with non-zero exit code 3", done.State.Message);
        Assert.Equal("True", k8s.Job(job)!["status"]!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == "Failed")!["status"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task TwoWorkersAdoptingARunWithTwoJobs_OneJobPerRunIsLeftAndAdoptedOnce()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; {BusyboxFlow.Propose("COMPLETED")}");
        var first = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-a"));
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");
        await first.DisposeAsync();
        var recorded = (await k8s.Client.GetFlowRunAsync(run.Id)).InfrastructureId!;
        // A second Job for the same run, as a worker leaves one that died between creating it and recording its id.
        var twin = await CreateJobAsync(k8s, run.Id, "sleep 300", ttl: null);

        // Two workers of the pool start together: both see the released Job and the twin, and race to adopt.
        var startingB = TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-b"));
        var startingC = TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "worker-c"));
        await using var b = await startingB;
        await using var c = await startingC;
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(twin) is null), "the twin Job was deleted", TimeSpan.FromSeconds(60));
        await k8s.Client.LogsContainingAsync(run.Id, "adopted kubernetes infrastructure");
        routes["/go"] = "{}";
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        var logs = await k8s.Client.FinalLogsAsync(run.Id);
        Assert.Single(logs, l => l.Message.Contains("adopted kubernetes infrastructure", StringComparison.Ordinal));
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "released" });
        var left = Assert.Single(k8s.Emulator.Store.List("jobs", "default", $"io.bosun.flow-run-id={run.Id}").Items);
        Assert.Equal(recorded, $"default/{left["metadata"]!["name"]!.GetValue<string>()}");
        Assert.Empty(k8s.PodsOf(twin));
    }

    [SkippableFact]
    public async Task WorkerKilled_JobFailsWhileNoWorkerWatches_RestartedWorkerReportsTheJobsOutcome()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; exit 3");
        var options = KubernetesTest.WorkerOptions(Pool, "worker-one");
        var first = await TestWorker.StartAsync(k8s.Server, options);
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");

        // Stopping leaves the Job running (it is not the worker's process); then the Job fails while nobody watches.
        await first.DisposeAsync();
        var job = (await k8s.Client.GetFlowRunAsync(run.Id)).InfrastructureId!;
        Assert.NotNull(k8s.Job(job));
        routes["/go"] = "{}";
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(job)?["status"]?["conditions"] is not null), "the Job failed");
        Assert.Equal(StateType.Running, (await k8s.Client.GetFlowRunAsync(run.Id)).State.Type);
        await using var second = await TestWorker.StartAsync(k8s.Server, options);
        var done = await k8s.Client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal("Flow run infrastructure exited with non-zero exit code 3", done.State.Message);
    }

    [SkippableFact]
    public async Task WorkerDrains_JobReleasedAndAdoptedByAnotherWorkerWhileTheSweepWouldCrashAnUnwatchedRun()
    {
        // The sweep of abandoned runs judges a silent claimant or a silent run after 4 s: the drained worker is silent
        // from its drain on, and the flow (a shell script) never heartbeats; only the adopter's heartbeats keep the run.
        var silence = TimeSpan.FromSeconds(4);
        await using var k8s = await KubernetesTest.StartAsync(configureServer: options =>
        {
            options.WorkerTimeout = silence;
            options.RunHeartbeatTimeout = silence;
            options.ServiceInterval = TimeSpan.FromMilliseconds(250);
        });
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; {BusyboxFlow.Propose("COMPLETED")}");
        var draining = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "draining-worker"));
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");
        await using var other = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool, "other-worker"));

        await draining.DisposeAsync();
        var drainedAt = TimeProvider.System.GetUtcNow();
        var job = (await k8s.Client.GetFlowRunAsync(run.Id)).InfrastructureId!;
        Assert.NotNull(k8s.Job(job));
        Assert.Equal("Running", k8s.PodsOf(job).Single()["status"]!["phase"]!.GetValue<string>());
        await k8s.Client.LogsContainingAsync(run.Id, "Worker 'other-worker' adopted kubernetes infrastructure");
        // Adopted at the adopter's next pass, long before the drained worker counts as offline (3 heartbeat intervals).
        Assert.Contains(await k8s.Client.LogsAsync(run.Id), l => l.Message.Contains("(left running by its worker)", StringComparison.Ordinal));
        var watched = await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id),
            r => r.LastHeartbeat > drainedAt + 3 * silence || r.State.Type.IsTerminal(), "the adopter heartbeated the run past three sweep timeouts",
            TimeSpan.FromSeconds(60));
        Assert.Equal(StateType.Running, watched.State.Type);
        routes["/go"] = "{}";
        var done = await k8s.Client.WaitForTerminalAsync(run.Id);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        Assert.Equal("other-worker", k8s.Job(job)!["metadata"]!["labels"]!["io.bosun.worker-name"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Reconcile_LeftOverJobs_OrphanRequeuedAndRunningJobOfFinalRunDeletedFinishedJobKeptUntilItsTtl()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, "sleep 300");
        var finalRun = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.CancelFlowRunAsync(finalRun.Id);
        // A run the server's sweep sent back to its queue (SCHEDULED) after its worker died holding it, due later.
        var requeuedRun = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(ScheduledStartTime: TimeProvider.System.GetUtcNow().AddHours(1)));
        // Jobs as a pool's worker leaves them: one whose run is gone, one still running for a run that is final.
        var orphan = await CreateJobAsync(k8s, Guid.NewGuid(), "sleep 300", ttl: null);
        var requeued = await CreateJobAsync(k8s, requeuedRun.Id, "sleep 300", ttl: null);
        var stillRunning = await CreateJobAsync(k8s, finalRun.Id, "sleep 300", ttl: null);
        var finishedKept = await CreateJobAsync(k8s, finalRun.Id, "exit 0", ttl: 3600);
        var finishedExpired = await CreateJobAsync(k8s, finalRun.Id, "exit 0", ttl: 0);
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(finishedKept)?["status"]?["conditions"] is not null && k8s.Job(finishedExpired)?["status"]?["conditions"] is not null),
            "the short Jobs finished");

        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(orphan) is null && k8s.Job(requeued) is null && k8s.Job(stillRunning) is null && k8s.Job(finishedExpired) is null),
            "the left-over Jobs were deleted", TimeSpan.FromSeconds(60));
        Assert.NotNull(k8s.Job(finishedKept));
        Assert.Equal(StateType.Scheduled, (await k8s.Client.GetFlowRunAsync(requeuedRun.Id)).State.Type);
        Assert.Empty(k8s.PodsOf(orphan));
    }

    internal static async Task<string> CreateJobAsync(KubernetesTest k8s, Guid runId, string script, int? ttl)
    {
        var labels = new Dictionary<string, string> { ["io.bosun.flow-run-id"] = runId.ToString(), ["io.bosun.work-pool-name"] = Pool, ["io.bosun.worker-name"] = "gone-worker" };
        var annotations = new Dictionary<string, string>(labels)
        {
            ["io.bosun.watch-settings"] = new JsonObject { ["finished_job_ttl"] = ttl }.ToJsonString(),
        };
        var job = await k8s.Kubernetes.BatchV1.CreateNamespacedJobAsync(new V1Job
        {
            Metadata = new V1ObjectMeta { GenerateName = "left-over-", Labels = labels, Annotations = annotations },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        TerminationGracePeriodSeconds = 1,
                        Containers = [new V1Container { Name = "bosun-job", Image = DockerTestEnvironment.BaseImage, ImagePullPolicy = "Never", Command = ["sh", "-c", script] }],
                    },
                },
            },
        }, "default");
        return $"default/{job.Metadata.Name}";
    }
}
