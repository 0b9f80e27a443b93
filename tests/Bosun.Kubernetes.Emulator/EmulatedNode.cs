using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace Bosun.Kubernetes.Emulator;

/// <summary>
/// The controllers and the one node of the emulated cluster: the Job controller (a pod per Job, retries up to
/// backoffLimit, Complete/Failed conditions, foreground/background/orphan deletion), the scheduler (requests against the
/// node's allocatable CPU and memory, node selector, taints; FailedScheduling events and a PodScheduled=False condition
/// while it does not fit) and the kubelet (env from secrets fails with CreateContainerConfigError since the emulator has
/// no secrets; image pull policy with ErrImageNeverPull / ErrImagePull / ImagePullBackOff; each pod's container a real
/// Docker container with network host, the memory limit as its cgroup limit, its exit code and OOMKilled as Docker reports them).
/// </summary>
internal sealed class EmulatedNode : IAsyncDisposable
{
    private const string ContainerLabel = "io.bosun.k8s-emulator.pod";
    private readonly ResourceStore _store;
    private readonly EmulatedNodeOptions _options;
    private readonly TimeProvider _time;
    private readonly DockerClient _docker;
    private readonly ConcurrentDictionary<string, PodRuntime> _pods = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _scheduling = new();
    private TaskCompletionSource _capacityFreed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EmulatedNode(ResourceStore store, EmulatedNodeOptions options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        using var configuration = new DockerClientConfiguration(new Uri(string.IsNullOrEmpty(host) ? "unix:///var/run/docker.sock" : host));
        _docker = configuration.CreateClient();
    }

    public void JobCreated(string ns, string job) => CreatePod(ns, job);

    /// <summary>
    /// Evicts a running pod as the kubelet does under node pressure: an <c>Evicted</c> Warning event, the container
    /// killed at once (exit 137), the pod <c>Failed</c> with reason <c>Evicted</c> and the kubelet's message; the Job
    /// counts it as a failed pod. False when the pod is not running.
    /// </summary>
    public async Task<bool> EvictAsync(string ns, string name, string message)
    {
        if (!_pods.TryGetValue(Key(ns, name), out var runtime) || runtime.ContainerId is not { } id)
        {
            return false;
        }

        runtime.EvictionMessage = message;
        RecordEvent(ns, "Pod", name, "Warning", "Evicted", message, "kubelet");
        await _docker.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "SIGKILL" });
        return true;
    }

    /// <summary>Deletes a Job as the garbage collector would for <paramref name="policy"/>; null when it does not exist.</summary>
    public JsonObject? DeleteJob(string ns, string name, string policy)
    {
        if (policy == "Foreground")
        {
            var marked = _store.Update("jobs", ns, name, job =>
            {
                if (job["metadata"]!["deletionTimestamp"] is not null)
                {
                    return false;
                }

                job["metadata"]!["deletionTimestamp"] = ResourceStore.Now(_time);
                job["metadata"]!["finalizers"] = new JsonArray("foregroundDeletion");
                return true;
            });
            if (marked is null)
            {
                return _store.Get("jobs", ns, name);
            }

            _ = Task.Run(async () =>
            {
                await Task.WhenAll(PodsOf(ns, name).Select(pod => DeletePodAsync(ns, pod)));
                _store.Remove("jobs", ns, name);
            });
            return marked;
        }

        var removed = _store.Remove("jobs", ns, name);
        if (removed is not null && policy == "Background")
        {
            _ = Task.WhenAll(PodsOf(ns, name).Select(pod => DeletePodAsync(ns, pod)));
        }

        return removed;
    }

    /// <summary>GET .../pods/{name}/log: the container's output (stdout and stderr), followed until it exits when asked.</summary>
    public async Task<IResult> WriteLogsAsync(string ns, string name, HttpContext context)
    {
        var pod = _store.Get("pods", ns, name);
        if (pod is null || !_pods.TryGetValue(Key(ns, name), out var runtime))
        {
            return ApiStatus.NotFound("pods", name);
        }

        var containerName = pod["spec"]!["containers"]![0]!["name"]!.GetValue<string>();
        if (context.Request.Query["container"] is [{ } asked] && asked != containerName)
        {
            return ApiStatus.BadRequest($"container {asked} is not valid for pod {name}");
        }

        if (runtime.ContainerId is not { } id)
        {
            var waiting = pod["status"]?["containerStatuses"]?[0]?["state"]?["waiting"]?["reason"]?.GetValue<string>() ?? "ContainerCreating";
            return ApiStatus.BadRequest($"container \"{containerName}\" in pod \"{name}\" is waiting to start: {waiting}");
        }

        var query = context.Request.Query;
        var parameters = new ContainerLogsParameters
        {
            ShowStdout = true,
            ShowStderr = true,
            Follow = query["follow"] is ["true" or "1"],
            Timestamps = query["timestamps"] is ["true" or "1"],
            Tail = query["tailLines"] is [{ } tail] ? tail : "all",
        };
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted);
        try
        {
            using var stream = await _docker.Containers.GetContainerLogsAsync(id, false, parameters, context.RequestAborted);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, context.RequestAborted);
                if (read.EOF)
                {
                    break;
                }

                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read.Count), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or DockerApiException)
        {
            // The client went away, or the container was removed with its pod: the stream ends.
        }

        return Results.Empty;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var runtime in _pods.Values)
        {
            if (runtime.ContainerId is { } id)
            {
                await Quietly(() => _docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }));
            }
        }

        _docker.Dispose();
        _stopping.Dispose();
    }

    private List<string> PodsOf(string ns, string job) =>
        [.. _store.List("pods", ns, $"job-name={job}").Items.Select(p => p["metadata"]!["name"]!.GetValue<string>())];

    private void CreatePod(string ns, string jobName)
    {
        var job = _store.Get("jobs", ns, jobName);
        if (job is null || job["metadata"]!["deletionTimestamp"] is not null)
        {
            return;
        }

        var template = job["spec"]!["template"]!.AsObject();
        var name = $"{jobName}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..5]}";
        var metadata = template["metadata"]!.DeepClone().AsObject();
        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = ResourceStore.Now(_time);
        metadata["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["name"] = jobName, ["uid"] = job["metadata"]!["uid"]!.DeepClone(),
            ["controller"] = true, ["blockOwnerDeletion"] = true,
        });
        var pod = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = metadata,
            ["spec"] = template["spec"]!.DeepClone(),
            ["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" },
        };
        var runtime = new PodRuntime(jobName, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        _pods[Key(ns, name)] = runtime;
        _store.Add("pods", pod);
        UpdateJob(ns, jobName, j => j["status"]!["active"] = (j["status"]!["active"]?.GetValue<int>() ?? 0) + 1);
        RecordEvent(ns, "Job", jobName, "Normal", "SuccessfulCreate", $"Created pod: {name}", "job-controller");
        runtime.Pipeline = Task.Run(() => RunPodAsync(ns, name, runtime));
    }

    private async Task RunPodAsync(string ns, string name, PodRuntime runtime)
    {
        var token = runtime.Stop.Token;
        try
        {
            var spec = _store.Get("pods", ns, name)!["spec"]!.AsObject();
            var container = spec["containers"]![0]!.AsObject();
            await ScheduleAsync(ns, name, spec, token);
            SetContainerState(ns, name, container, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } });
            await CheckConfigurationAsync(ns, name, container, token);
            await EnsureImageAsync(ns, name, container, token);
            string id;
            try
            {
                id = await CreateContainerAsync(ns, name, container, token);
            }
            catch (DockerApiException ex)
            {
                var message = ex.ResponseBody.Trim();
                SetContainerState(ns, name, container, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CreateContainerError", ["message"] = message } });
                RecordEvent(ns, "Pod", name, "Warning", "Failed", $"Error: {message}", "kubelet");
                await Task.Delay(Timeout.Infinite, token);
                return;
            }

            runtime.ContainerId = id;
            try
            {
                await _docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), token);
            }
            catch (DockerApiException ex)
            {
                SetTerminated(ns, name, container, 128, "StartError", ex.ResponseBody.Trim(), null);
                PodEnded(ns, name, runtime, succeeded: false);
                return;
            }

            RecordEvent(ns, "Pod", name, "Normal", "Created", $"Created container: {container["name"]}", "kubelet");
            RecordEvent(ns, "Pod", name, "Normal", "Started", $"Started container {container["name"]}", "kubelet");
            var started = ResourceStore.Now(_time);
            _store.Update("pods", ns, name, pod =>
            {
                pod["status"]!["phase"] = "Running";
                pod["status"]!["startTime"] ??= started;
                pod["status"]!["containerStatuses"] = new JsonArray(ContainerStatus(container, new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } }, id, ready: true));
                return true;
            });

            // Not cancelled by a deletion: a deleted pod's container is stopped, and its exit is still recorded.
            await _docker.Containers.WaitContainerAsync(id, _stopping.Token);
            var inspected = await _docker.Containers.InspectContainerAsync(id, _stopping.Token);
            // Docker learns of an out-of-memory kill from an event that can come just after the exit it caused (a loaded CI
            // run saw OOMKilled false for a container killed over its limit); the kubelet reads the cgroup's own count. A
            // container with a memory limit that was SIGKILLed is looked at again until Docker says, for up to 3 s.
            var oomDeadline = _time.GetUtcNow() + TimeSpan.FromSeconds(3);
            while (inspected.State is { ExitCode: 137, OOMKilled: false } && container["resources"]?["limits"]?["memory"] is not null && _time.GetUtcNow() < oomDeadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, _stopping.Token);
                inspected = await _docker.Containers.InspectContainerAsync(id, _stopping.Token);
            }

            var code = (int)inspected.State.ExitCode;
            var reason = inspected.State.OOMKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error";
            // An evicted pod's status says so in the same update that records its container's end, as the kubelet writes it.
            SetTerminated(ns, name, container, code, reason, null, started, runtime.EvictionMessage is { } eviction ? ("Evicted", eviction) : null);

            PodEnded(ns, name, runtime, code == 0);
        }
        catch (OperationCanceledException)
        {
            // Deleted while pending, or the emulator stops.
        }
    }

    private async Task ScheduleAsync(string ns, string name, JsonObject spec, CancellationToken token)
    {
        while (true)
        {
            Task freed;
            string? problem;
            lock (_scheduling)
            {
                freed = _capacityFreed.Task;
                problem = Unschedulable(ns, name, spec);
                if (problem is null)
                {
                    _store.Update("pods", ns, name, pod =>
                    {
                        pod["spec"]!["nodeName"] = EmulatedNodeOptions.NodeName;
                        pod["status"]!["conditions"] = new JsonArray(Condition("PodScheduled", "True", null, null));
                        return true;
                    });
                }
            }

            if (problem is null)
            {
                RecordEvent(ns, "Pod", name, "Normal", "Scheduled", $"Successfully assigned {ns}/{name} to {EmulatedNodeOptions.NodeName}", "default-scheduler");
                return;
            }

            var message = $"0/1 nodes are available: {problem}";
            _store.Update("pods", ns, name, pod =>
            {
                if (pod["status"]?["conditions"]?[0]?["message"]?.GetValue<string>() == message)
                {
                    return false;
                }

                pod["status"]!["conditions"] = new JsonArray(Condition("PodScheduled", "False", "Unschedulable", message));
                return true;
            });
            RecordEvent(ns, "Pod", name, "Warning", "FailedScheduling", message, "default-scheduler");
            // The real scheduler retries when the cluster changes, and at least every few minutes; here when capacity frees up.
            await Task.WhenAny(freed, Task.Delay(TimeSpan.FromSeconds(5), _time, token));
            token.ThrowIfCancellationRequested();
        }
    }

    private string? Unschedulable(string ns, string name, JsonObject spec)
    {
        var selector = spec["nodeSelector"] as JsonObject;
        var nodeLabels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = EmulatedNodeOptions.NodeName, ["kubernetes.io/os"] = "linux" };
        if (selector is not null && selector.Any(s => !nodeLabels.TryGetValue(s.Key, out var value) || value != s.Value?.GetValue<string>()))
        {
            return "1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
        }

        var tolerations = (spec["tolerations"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        foreach (var (key, value, effect) in _options.Taints)
        {
            var tolerated = tolerations.Any(t => t["key"]?.GetValue<string>() == key
                && (t["operator"]?.GetValue<string>() == "Exists" || t["value"]?.GetValue<string>() == value)
                && (t["effect"] is null || t["effect"]!.GetValue<string>() == effect));
            if (!tolerated)
            {
                return $"1 node(s) had untolerated taint {{{key}: {value}}}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
            }
        }

        var (cpu, memory) = Requests(spec);
        var used = _store.List("pods", null).Items
            .Where(p => p["spec"]?["nodeName"] is not null && p["status"]?["phase"]?.GetValue<string>() is "Pending" or "Running"
                && !(ResourceStore.Namespace(p) == ns && p["metadata"]!["name"]!.GetValue<string>() == name))
            .Select(p => Requests(p["spec"]!.AsObject()))
            .Aggregate((Cpu: 0m, Memory: 0m), (sum, r) => (sum.Cpu + r.Cpu, sum.Memory + r.Memory));
        var insufficient = new List<string>();
        if (used.Cpu + cpu > new ResourceQuantity(_options.Cpu).ToDecimal())
        {
            insufficient.Add("1 Insufficient cpu");
        }

        if (used.Memory + memory > new ResourceQuantity(_options.Memory).ToDecimal())
        {
            insufficient.Add("1 Insufficient memory");
        }

        return insufficient.Count == 0
            ? null
            : $"{string.Join(", ", insufficient)}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.";
    }

    private static (decimal Cpu, decimal Memory) Requests(JsonObject spec)
    {
        var requests = spec["containers"]?[0]?["resources"]?["requests"] as JsonObject;
        return (Quantity(requests?["cpu"]), Quantity(requests?["memory"]));
    }

    private static decimal Quantity(JsonNode? value) => value is null ? 0 : new ResourceQuantity(value.ToString()).ToDecimal();

    private async Task CheckConfigurationAsync(string ns, string name, JsonObject container, CancellationToken token)
    {
        // No secrets or config maps exist in the emulator: a reference to one is the error a missing one gives.
        var missing = (container["env"] as JsonArray)?.OfType<JsonObject>()
            .Select(e => e["valueFrom"]?["secretKeyRef"]?["name"] is { } secret ? $"secret \"{secret}\" not found"
                : e["valueFrom"]?["configMapKeyRef"]?["name"] is { } map ? $"configmap \"{map}\" not found" : null)
            .FirstOrDefault(m => m is not null);
        if (missing is null)
        {
            return;
        }

        SetContainerState(ns, name, container, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CreateContainerConfigError", ["message"] = missing } });
        RecordEvent(ns, "Pod", name, "Warning", "Failed", $"Error: {missing}", "kubelet");
        await Task.Delay(Timeout.Infinite, token);
    }

    private async Task EnsureImageAsync(string ns, string name, JsonObject container, CancellationToken token)
    {
        var image = container["image"]!.GetValue<string>();
        var tag = image.Contains('@', StringComparison.Ordinal) ? "digest" : image[(image.LastIndexOf('/') + 1)..].Split(':') is [_, var t] ? t : "latest";
        var policy = container["imagePullPolicy"]?.GetValue<string>() ?? (tag == "latest" ? "Always" : "IfNotPresent");
        var present = await ImageExistsAsync(image, token);
        if (policy == "Never" && !present)
        {
            var message = $"Container image \"{image}\" is not present with pull policy of Never";
            SetContainerState(ns, name, container, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ErrImageNeverPull", ["message"] = message } });
            RecordEvent(ns, "Pod", name, "Warning", "ErrImageNeverPull", message, "kubelet");
            await Task.Delay(Timeout.Infinite, token);
        }

        if (policy == "Never" || (policy == "IfNotPresent" && present))
        {
            RecordEvent(ns, "Pod", name, "Normal", "Pulled", $"Container image \"{image}\" already present on machine", "kubelet");
            return;
        }

        var backoff = TimeSpan.FromSeconds(2);
        while (true)
        {
            RecordEvent(ns, "Pod", name, "Normal", "Pulling", $"Pulling image \"{image}\"", "kubelet");
            var error = await PullAsync(image, token);
            if (error is null)
            {
                RecordEvent(ns, "Pod", name, "Normal", "Pulled", $"Successfully pulled image \"{image}\"", "kubelet");
                return;
            }

            var failure = $"failed to pull and unpack image \"{image}\": {error}";
            SetContainerState(ns, name, container, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ErrImagePull", ["message"] = failure } });
            RecordEvent(ns, "Pod", name, "Warning", "Failed", $"Failed to pull image \"{image}\": {error}", "kubelet");
            RecordEvent(ns, "Pod", name, "Warning", "Failed", "Error: ErrImagePull", "kubelet");
            var backOff = $"Back-off pulling image \"{image}\"";
            SetContainerState(ns, name, container, new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = backOff } });
            RecordEvent(ns, "Pod", name, "Normal", "BackOff", backOff, "kubelet");
            RecordEvent(ns, "Pod", name, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet");
            await Task.Delay(backoff, _time, token);
            backoff = TimeSpan.FromSeconds(Math.Min(60, backoff.TotalSeconds * 2));
        }
    }

    private async Task<bool> ImageExistsAsync(string image, CancellationToken token)
    {
        try
        {
            await _docker.Images.InspectImageAsync(image, token);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<string?> PullAsync(string image, CancellationToken token)
    {
        var colon = image.LastIndexOf(':');
        var (repository, tag) = colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
        string? error = null;
        try
        {
            await _docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null,
                new Progress<JSONMessage>(m => error ??= m.ErrorMessage), token);
        }
        catch (DockerApiException ex)
        {
            return ex.ResponseBody.Trim();
        }

        return string.IsNullOrEmpty(error) ? null : error;
    }

    private async Task<string> CreateContainerAsync(string ns, string name, JsonObject container, CancellationToken token)
    {
        var labels = new Dictionary<string, string>(_options.ContainerLabels) { [ContainerLabel] = Key(ns, name) };
        var env = (container["env"] as JsonArray)?.OfType<JsonObject>()
            .Where(e => e["value"] is not null).Select(e => $"{e["name"]}={e["value"]}").ToList() ?? [];
        var limits = container["resources"]?["limits"] as JsonObject;
        var created = await _docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"k8s-emulator-{name}",
            Image = container["image"]!.GetValue<string>(),
            Entrypoint = (container["command"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToList(),
            Cmd = (container["args"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToList(),
            Env = env,
            Labels = labels,
            WorkingDir = container["workingDir"]?.GetValue<string>(),
            HostConfig = new HostConfig
            {
                // The pod reaches the Bosun API on the host's 127.0.0.1, as the docker worker's containers do.
                NetworkMode = "host",
                Memory = limits?["memory"] is { } memory ? (long)Quantity(memory) : 0,
                MemorySwap = limits?["memory"] is { } swap ? (long)Quantity(swap) : 0,
                NanoCPUs = limits?["cpu"] is { } cpu ? (long)(Quantity(cpu) * 1_000_000_000m) : 0,
            },
        }, token);
        return created.ID;
    }

    private void PodEnded(string ns, string name, PodRuntime runtime, bool succeeded)
    {
        lock (_scheduling)
        {
            var freed = _capacityFreed;
            _capacityFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            freed.SetResult();
        }

        var job = _store.Get("jobs", ns, runtime.Job);
        if (job is null || job["metadata"]!["deletionTimestamp"] is not null || _store.Get("pods", ns, name)?["metadata"]?["deletionTimestamp"] is not null)
        {
            return;
        }

        var now = ResourceStore.Now(_time);
        var retry = false;
        UpdateJob(ns, runtime.Job, j =>
        {
            var status = j["status"]!.AsObject();
            status["active"] = Math.Max(0, (status["active"]?.GetValue<int>() ?? 1) - 1);
            if (succeeded)
            {
                status["succeeded"] = 1;
                status["completionTime"] = now;
                status["conditions"] = new JsonArray(Condition("Complete", "True", null, null, now));
                return;
            }

            var failed = (status["failed"]?.GetValue<int>() ?? 0) + 1;
            status["failed"] = failed;
            if (failed > j["spec"]!["backoffLimit"]!.GetValue<int>())
            {
                status["conditions"] = new JsonArray(Condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
            }
            else
            {
                retry = true;
            }
        });
        if (retry)
        {
            CreatePod(ns, runtime.Job);
        }
        else if (!succeeded)
        {
            RecordEvent(ns, "Job", runtime.Job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit", "job-controller");
        }
    }

    private async Task DeletePodAsync(string ns, string name)
    {
        if (!_pods.TryGetValue(Key(ns, name), out var runtime))
        {
            return;
        }

        var grace = _store.Get("pods", ns, name)?["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
        _store.Update("pods", ns, name, pod =>
        {
            pod["metadata"]!["deletionTimestamp"] ??= ResourceStore.Now(_time);
            pod["metadata"]!["deletionGracePeriodSeconds"] = grace;
            return true;
        });
        await runtime.Stop.CancelAsync();
        if (runtime.ContainerId is { } id)
        {
            await Quietly(() => _docker.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)grace }));
        }

        await Quietly(() => runtime.Pipeline ?? Task.CompletedTask);
        if (runtime.ContainerId is { } removed)
        {
            await Quietly(() => _docker.Containers.RemoveContainerAsync(removed, new ContainerRemoveParameters { Force = true }));
        }

        _store.Remove("pods", ns, name);
        _pods.TryRemove(Key(ns, name), out _);
        PodEnded(ns, name, runtime, succeeded: false);
    }

    private void SetContainerState(string ns, string name, JsonObject container, JsonObject state) =>
        _store.Update("pods", ns, name, pod =>
        {
            var current = pod["status"]?["containerStatuses"]?[0]?["state"];
            if (JsonNode.DeepEquals(current, state))
            {
                return false;
            }

            pod["status"]!["containerStatuses"] = new JsonArray(ContainerStatus(container, state, null, ready: false));
            return true;
        });

    private void SetTerminated(string ns, string name, JsonObject container, int code, string reason, string? message, string? started,
        (string Reason, string Message)? podEnd = null)
    {
        var finished = ResourceStore.Now(_time);
        _store.Update("pods", ns, name, pod =>
        {
            pod["status"]!["phase"] = code == 0 ? "Succeeded" : "Failed";
            if (podEnd is { } end)
            {
                pod["status"]!["reason"] = end.Reason;
                pod["status"]!["message"] = end.Message;
            }

            pod["status"]!["containerStatuses"] = new JsonArray(ContainerStatus(container, new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = code, ["reason"] = reason, ["message"] = message, ["startedAt"] = started, ["finishedAt"] = finished,
                },
            }, null, ready: false));
            return true;
        });
    }

    private static JsonObject ContainerStatus(JsonObject container, JsonObject state, string? id, bool ready) => new()
    {
        ["name"] = container["name"]!.DeepClone(),
        ["image"] = container["image"]!.DeepClone(),
        ["imageID"] = "",
        ["containerID"] = id is null ? null : $"docker://{id}",
        ["ready"] = ready,
        ["restartCount"] = 0,
        ["started"] = state["running"] is not null,
        ["state"] = state,
    };

    private JsonObject Condition(string type, string status, string? reason, string? message, string? at = null) => new()
    {
        ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message, ["lastProbeTime"] = null,
        ["lastTransitionTime"] = at ?? ResourceStore.Now(_time),
    };

    private void UpdateJob(string ns, string name, Action<JsonObject> change) =>
        _store.Update("jobs", ns, name, job =>
        {
            change(job);
            return true;
        });

    /// <summary>An event about an object; a repeat of the same reason and message counts up instead, as the event recorder does.</summary>
    private void RecordEvent(string ns, string kind, string name, string type, string reason, string message, string component)
    {
        var now = ResourceStore.Now(_time);
        var eventName = $"{name}.{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(reason + message)))[..16]}";
        if (_store.Update("events", ns, eventName, e =>
            {
                e["count"] = e["count"]!.GetValue<int>() + 1;
                e["lastTimestamp"] = now;
                return true;
            }) is not null)
        {
            return;
        }

        _store.Add("events", new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["creationTimestamp"] = now },
            ["involvedObject"] = new JsonObject { ["kind"] = kind, ["namespace"] = ns, ["name"] = name, ["apiVersion"] = kind == "Job" ? "batch/v1" : "v1" },
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new JsonObject { ["component"] = component },
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["count"] = 1,
            ["type"] = type,
            ["reportingComponent"] = component,
        });
    }

    private static async Task Quietly(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is DockerApiException or OperationCanceledException or IOException or HttpRequestException)
        {
            // Already gone, or never got that far.
        }
    }

    private static string Key(string ns, string name) => $"{ns}/{name}";

    private sealed class PodRuntime(string job, CancellationTokenSource stop)
    {
        public string Job { get; } = job;

        public CancellationTokenSource Stop { get; } = stop;

        public Task? Pipeline { get; set; }

        public volatile string? ContainerId;

        public volatile string? EvictionMessage;
    }
}
