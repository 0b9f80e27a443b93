using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Docker.Tests;
using Bosun.Testing;

namespace Bosun.Kubernetes.Tests;

/// <summary>Runs on a kubernetes pool through the emulator: what a run's pod does becomes the run's state and logs.</summary>
public sealed class KubernetesRunTests
{
    private const string Pool = "k8s-pool";

    [SkippableFact]
    public async Task Run_EveryJobVariable_ReachesTheCreatedJobAndItsContainer()
    {
        await using var k8s = await KubernetesTest.StartAsync(taints: [("dedicated", "flows", "NoSchedule")]);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{BusyboxFlow.Propose("RUNNING")}; echo \"mode=$MODE\"; {BusyboxFlow.Propose("COMPLETED")}", Json("""
            {
              "image_pull_policy": "Never", "namespace": "flows", "service_account_name": "runner",
              "env": {"MODE": "nightly"}, "labels": {"team": "data"}, "name": "Nightly Report", "finished_job_ttl": 600,
              "pod_watch_timeout_seconds": 30, "pod_start_timeout_seconds": 120, "job_watch_timeout_seconds": 3600,
              "stream_output": true, "cpu_request": "250m", "memory_request": "64Mi", "cpu_limit": "1", "memory_limit": "256Mi",
              "node_selector": {"kubernetes.io/os": "linux"},
              "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "flows", "effect": "NoSchedule"}],
              "image_pull_secrets": ["regcred"], "backoff_limit": 0
            }
            """));
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(2));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}\n{(await k8s.Client.LogsAsync(run.Id)).Text()}");
        Assert.StartsWith("flows/nightly-report-", done.InfrastructureId, StringComparison.Ordinal);
        var job = k8s.Job(done.InfrastructureId!)!;
        var labels = job["metadata"]!["labels"]!;
        Assert.Equal("data", labels["team"]!.GetValue<string>());
        Assert.Equal(run.Id.ToString(), labels["io.bosun.flow-run-id"]!.GetValue<string>());
        Assert.Equal(Pool, labels["io.bosun.work-pool-name"]!.GetValue<string>());
        Assert.Equal(worker.Options.Name, labels["io.bosun.worker-name"]!.GetValue<string>());
        Assert.Equal("shell", labels["io.bosun.flow-name"]!.GetValue<string>());
        Assert.Equal("dep", labels["io.bosun.deployment-name"]!.GetValue<string>());
        var spec = job["spec"]!;
        Assert.Equal(0, spec["backoffLimit"]!.GetValue<int>());
        Assert.Equal(600, spec["ttlSecondsAfterFinished"]!.GetValue<int>());
        var podSpec = spec["template"]!["spec"]!;
        Assert.Equal("runner", podSpec["serviceAccountName"]!.GetValue<string>());
        Assert.Equal("""{"kubernetes.io/os":"linux"}""", podSpec["nodeSelector"]!.ToJsonString());
        Assert.Equal("flows", podSpec["tolerations"]![0]!["value"]!.GetValue<string>());
        Assert.Equal("""[{"name":"regcred"}]""", podSpec["imagePullSecrets"]!.ToJsonString());
        var container = podSpec["containers"]![0]!;
        Assert.Equal("Never", container["imagePullPolicy"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(Json("""{"requests":{"cpu":"250m","memory":"64Mi"},"limits":{"cpu":"1","memory":"256Mi"}}"""), container["resources"]),
            container["resources"]!.ToJsonString());
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
        Assert.Equal("nightly", env["MODE"]);
        Assert.Equal(run.Id.ToString(), env["BOSUN_FLOW_RUN_ID"]);
        var watch = JsonNode.Parse(job["metadata"]!["annotations"]!["io.bosun.watch-settings"]!.GetValue<string>())!;
        Assert.Equal("""{"stream_output":true,"pod_watch_timeout_seconds":30,"pod_start_timeout_seconds":120,"job_watch_timeout_seconds":3600,"finished_job_ttl":600,"memory_limit":"256Mi","backoff_limit":0}""", watch.ToJsonString());
        var containers = await k8s.Docker.ContainersAsync();
        var inspected = (await k8s.Docker.InspectAsync(Assert.Single(containers).ID))!;
        Assert.Equal(256L * 1024 * 1024, inspected.HostConfig.Memory);
        Assert.Equal(1_000_000_000L, inspected.HostConfig.NanoCPUs);
        var logs = await k8s.Client.LogsContainingAsync(run.Id, "mode=nightly");
        Assert.Contains(logs, l => l is { Source: LogSource.Infrastructure, Message: "mode=nightly" });
    }

    [SkippableFact]
    public async Task Run_CpuRequestAboveTheNode_FailedSchedulingReasonThenCrashedAtTheStartTimeout()
    {
        await using var k8s = await KubernetesTest.StartAsync(cpu: "1");
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, "exit 0", new JsonObject { ["cpu_request"] = "2", ["pod_start_timeout_seconds"] = 15 });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        // The scheduler's event, not just any line naming the reason: the pod's status says it too, and it may come first.
        var waiting = await k8s.Client.LogsContainingAsync(run.Id, "Pod event FailedScheduling: ");
        var pending = await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id),
            r => r.WaitingReason?.Contains("Insufficient cpu", StringComparison.Ordinal) == true || r.State.Type.IsTerminal(), "the run's waiting reason names the scheduler's message");
        await using var inspect = ChildProcess.StartCli(["flow-run", "inspect", run.Id.ToString()], new Dictionary<string, string?> { ["BOSUN_API_URL"] = k8s.Server.ApiUrl.ToString() });
        Assert.Equal(0, await inspect.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Contains(waiting, l => l.Source == LogSource.Worker && l.Message.StartsWith("Pod event FailedScheduling: 0/1 nodes are available: 1 Insufficient cpu.", StringComparison.Ordinal));
        Assert.Equal(StateType.Pending, pending.State.Type);
        Assert.Matches("^claimed by worker '[^']+', which is starting its infrastructure: pod [a-z0-9-]+: (Unschedulable|FailedScheduling): 0/1 nodes are available: 1 Insufficient cpu", pending.WaitingReason);
        Assert.Contains("Insufficient cpu", System.Text.RegularExpressions.Regex.Replace(inspect.OutputText, @"\s+", " "), StringComparison.Ordinal);
        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.StartsWith("failed to submit: pod ", done.State.Message, StringComparison.Ordinal);
        Assert.Contains("did not start within pod_start_timeout_seconds (15 s); last reason: ", done.State.Message, StringComparison.Ordinal);
        Assert.Contains("Insufficient cpu", done.State.Message, StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(done.InfrastructureId!) is null), "the unschedulable Job was deleted");
    }

    [SkippableFact]
    public async Task Run_ImageThatCannotBePulled_ErrImagePullReasonThenCrashed()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        await k8s.PoolAsync(Pool);
        var image = $"127.0.0.1:1/{k8s.Docker.ImageName("never-pushed")}:1";
        var deployment = await k8s.ShellDeploymentAsync(Pool, "exit 0", new JsonObject
        {
            ["image"] = image, ["image_pull_policy"] = "IfNotPresent", ["pod_start_timeout_seconds"] = 8,
        });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Contains("did not start within pod_start_timeout_seconds (8 s); last reason: ", done.State.Message, StringComparison.Ordinal);
        var logs = await k8s.Client.LogsAsync(run.Id);
        Assert.Contains(logs, l => l.Message.StartsWith($"Pod event Failed: Failed to pull image \"{image}\"", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Message.StartsWith("Pod ", StringComparison.Ordinal) && l.Message.Contains("is not running yet: ErrImagePull", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Message.Contains("is not running yet: ImagePullBackOff: Back-off pulling image", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Run_MissingImageWithPullPolicyNever_CrashedAtOnceWithoutWaitingForTheTimeout()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        await k8s.PoolAsync(Pool);
        var image = $"{k8s.Docker.ImageName("never-built")}:1";
        var deployment = await k8s.ShellDeploymentAsync(Pool, "exit 0", new JsonObject { ["image"] = image });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.EndsWith($"cannot start: ErrImageNeverPull: Container image \"{image}\" is not present with pull policy of Never", done.State.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Run_ContainerAboveItsMemoryLimit_CrashedOomKilledExplained()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        await k8s.PoolAsync(Pool);
        // A shell variable growing past the 32Mi cgroup limit: the kernel's OOM killer ends the container.
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{BusyboxFlow.Propose("RUNNING")}; x=$(head -c 200000000 /dev/zero | tr \"\\\\0\" a); echo never",
            new JsonObject { ["memory_limit"] = "32Mi" });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal("Flow run infrastructure was killed (exit code 137: SIGKILL, often the out-of-memory killer): the container was OOMKilled: it used more memory than its limit (32Mi)", done.State.Message);
    }

    [SkippableFact]
    public async Task Run_EnvFromAMissingSecret_CreateContainerConfigErrorReasonThenCrashed()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        // A template whose container env is a list taking a variable from a secret (the emulator has none).
        await k8s.PoolAsync(Pool, changeTemplate: template => template["job_configuration"]!["job_manifest"]!["spec"]!["template"]!["spec"]!["containers"]![0]!["env"] =
            JsonNode.Parse("""[{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]"""));
        var deployment = await k8s.ShellDeploymentAsync(Pool, "exit 0", new JsonObject { ["pod_start_timeout_seconds"] = 5 });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.EndsWith("last reason: CreateContainerConfigError: secret \"db\" not found", done.State.Message, StringComparison.Ordinal);
        Assert.Contains(await k8s.Client.LogsAsync(run.Id), l => l.Message == "Pod event Failed: Error: secret \"db\" not found");
    }

    [SkippableFact]
    public async Task Run_JobStillRunningAtJobWatchTimeout_DeletedAndCrashedSayingSo()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"trap \"exit 143\" TERM; {BusyboxFlow.Propose("RUNNING")}; sleep 300 & wait",
            new JsonObject { ["job_watch_timeout_seconds"] = 4 });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.EndsWith("the Job did not finish within job_watch_timeout_seconds (4 s) and was deleted", done.State.Message, StringComparison.Ordinal);
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Job(done.InfrastructureId!) is null), "the Job was deleted");
    }

    [SkippableFact]
    public async Task Run_BackoffLimitOne_FailedPodRetriedThenCrashedWithTheLastExitCode()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, "echo attempt; exit 3", new JsonObject { ["backoff_limit"] = 1 });
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));

        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await k8s.Client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(1));

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal("Flow run infrastructure exited with non-zero exit code 3", done.State.Message);
        Assert.Equal(2, k8s.PodsOf(done.InfrastructureId!).Count);
        var logs = await k8s.Client.FinalLogsAsync(run.Id);
        Assert.Single(logs, l => l.Message.Contains("failed (exit code 3); the Job retries it (backoff_limit 1, 1 failed so far).", StringComparison.Ordinal));
        Assert.Equal(2, logs.Count(l => l is { Source: LogSource.Infrastructure, Message: "attempt" }));
    }

    [SkippableFact]
    public async Task Cancel_RunningJob_DeletedInTheForegroundAndCancelledOnlyOnceThePodIsGone()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        using var stub = new StubHttpServer([]);
        await k8s.PoolAsync(Pool);
        // The flow ends on SIGTERM (the pod's grace period is 30 s; a shell as PID 1 would ignore it).
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"trap \"exit 143\" TERM; {WaitingFlow.RunningUntil(stub.BaseUrl + "/never")} & wait");
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var running = await k8s.Client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        var job = (await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id), r => r.InfrastructureId is not null, "the Job is recorded")).InfrastructureId!;

        await k8s.Client.CancelFlowRunAsync(run.Id);
        var done = await k8s.Client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Cancelled, done.State.Type);
        var podDeleted = k8s.Emulator.Store.ChangesAfter(0).Changes.Single(c => c is { Kind: "pods", Type: "DELETED" }).Version;
        var foreground = k8s.Emulator.Store.ChangesAfter(0).Changes.First(c => c.Kind == "jobs" && c.Object["metadata"]!["finalizers"]?[0]?.GetValue<string>() == "foregroundDeletion");
        Assert.True(foreground.Version < podDeleted, "the Job was not deleted with foreground propagation");
        Assert.Empty(k8s.PodsOf(job));
        var states = await k8s.Client.GetFlowRunStatesAsync(run.Id);
        Assert.Equal(StateType.Cancelling, states[^2].Type);
        Assert.Contains(k8s.Emulator.Requests, r => r is { Verb: "delete", Resource: "jobs" });
        Assert.NotNull(running);
    }

    [SkippableFact]
    public async Task Run_PodEvictedWhileRunning_CrashedWithTheKubeletsEvictionMessage()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        using var stub = new StubHttpServer([]);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, WaitingFlow.RunningUntil(stub.BaseUrl + "/never"));
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.WaitForStateAsync(run.Id, s => s.Type == StateType.Running, "the run is RUNNING");
        var job = (await Eventually.ValueAsync(() => k8s.Client.GetFlowRunAsync(run.Id), r => r.InfrastructureId is not null, "the Job is recorded")).InfrastructureId!;
        var pod = k8s.PodsOf(job).Single()["metadata"]!["name"]!.GetValue<string>();

        const string pressure = "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki.";
        Assert.True(await k8s.Emulator.Node.EvictAsync("default", pod, pressure), "the pod was not running");
        var done = await k8s.Client.WaitForTerminalAsync(run.Id);

        Assert.Equal(StateType.Crashed, done.State.Type);
        Assert.Equal($"Flow run infrastructure was killed (exit code 137: SIGKILL, often the out-of-memory killer): the pod was evicted by Kubernetes (Evicted: {pressure})",
            done.State.Message);
        Assert.Equal("Failed", k8s.Job(job)!["status"]!["conditions"]![0]!["type"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Run_WatchesDroppedAfterCompaction_410GoneRelistedAndTheRunCompletesWithEachLineOnce()
    {
        await using var k8s = await KubernetesTest.StartAsync();
        var routes = new Dictionary<string, string>();
        using var stub = new StubHttpServer(routes);
        await k8s.PoolAsync(Pool);
        var deployment = await k8s.ShellDeploymentAsync(Pool, $"{WaitingFlow.RunningUntil(stub.BaseUrl + "/go")}; {BusyboxFlow.Propose("COMPLETED")}");
        await using var worker = await TestWorker.StartAsync(k8s.Server, KubernetesTest.WorkerOptions(Pool));
        var run = await k8s.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        await k8s.Client.LogsContainingAsync(run.Id, "started");

        // The worker's watches come back with a version older than the history: the API server answers 410 Gone
        // (the events' watch at least; the pods' one too when a later change than the pod's last one was compacted).
        var listsBefore = k8s.Emulator.Requests.Count(r => r.Verb == "list");
        await k8s.Emulator.CompactAndDropWatchesAsync();
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Emulator.ExpiredWatches > 0), "a watch was answered 410 Gone");
        // After a 410 the worker lists again (no resourceVersion) before it watches again.
        await Eventually.WaitUntilAsync(() => Task.FromResult(k8s.Emulator.Requests.Count(r => r.Verb == "list") > listsBefore), "the worker listed again after the 410");
        routes["/go"] = "{}";
        var done = await k8s.Client.WaitForTerminalAsync(run.Id);

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}");
        var logs = await k8s.Client.LogsContainingAsync(run.Id, "released");
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "started" });
        Assert.Single(logs, l => l is { Source: LogSource.Infrastructure, Message: "released" });
    }

    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();
}
