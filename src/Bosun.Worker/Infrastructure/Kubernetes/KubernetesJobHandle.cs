using System.Net;
using System.Text;
using System.Threading.Channels;
using Bosun.Contracts.States;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// One run's Job, followed from creation to its pod's end: the pod's events and waiting reasons become worker log lines
/// while it starts (a pod that does not start within <c>pod_start_timeout_seconds</c>, or cannot ever start, has its Job
/// deleted and the run crashes with the last reason), its output is streamed to the run's logs, and its container's exit
/// code is the infrastructure's exit (OOMKilled and evictions explained). Stopping deletes the Job with foreground
/// propagation and the exit is reported only once the pod is gone. Disposing stops watching and leaves the Job alone:
/// a Job outlives the worker that created it, and another worker adopts it.
/// </summary>
internal sealed class KubernetesJobHandle : InfrastructureHandle
{
    private readonly IKubernetes _client;
    private readonly string _namespace;
    private readonly string _jobName;
    private readonly KubernetesWatchSettings _settings;
    private readonly Action<string, bool> _output;
    private readonly Action<string> _workerLog;
    private readonly TimeProvider _time;
    private readonly long _skipLines;
    private readonly Action<string>? _waitingReason;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<(WatchEventType Type, V1Pod Pod)> _pods = Channel.CreateUnbounded<(WatchEventType, V1Pod)>();
    private readonly Task<InfrastructureExit> _exit;
    private volatile bool _deleting;
    private string? _lastReason;
    private string? _lastWarningEvent;
    private volatile bool _podRunning;

    // skipLines: output lines already in the run's logs (an adopted Job); streaming resumes after them.
    // waitingReason: told why the pod is not running yet (the run's waiting reason on the server).
    public KubernetesJobHandle(IKubernetes client, string @namespace, string jobName, KubernetesWatchSettings settings,
        Action<string, bool> output, Action<string> workerLog, TimeProvider time, long skipLines = 0, Action<string>? waitingReason = null)
    {
        _waitingReason = waitingReason;
        _client = client;
        _namespace = @namespace;
        _jobName = jobName;
        _settings = settings;
        _output = output;
        _workerLog = workerLog;
        _time = time;
        _skipLines = skipLines;
        _exit = FollowAsync(_stop.Token);
    }

    /// <summary><c>namespace/job-name</c>, recorded as the run's infrastructure id.</summary>
    public override string Id => $"{_namespace}/{_jobName}";

    public override Task<InfrastructureExit> WaitForExitAsync(CancellationToken cancellationToken) => _exit.WaitAsync(cancellationToken);

    /// <summary>
    /// Deletes the Job with foreground propagation: Kubernetes stops the pod (SIGTERM, then SIGKILL after the pod's
    /// termination grace period) and removes the Job after it; the exit follows when the pod is gone.
    /// </summary>
    public override async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        _deleting = true;
        await DeleteJobAsync(_client, _namespace, _jobName, cancellationToken).ConfigureAwait(false);
        _pods.Writer.TryWrite((WatchEventType.Modified, new V1Pod()));
    }

    /// <summary>Clears the Job's worker label: the pool's other workers see that nobody watches it and adopt it at their next pass.</summary>
    public override async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        // Read, change, replace under the read resourceVersion: a concurrent change (the Job controller's status) is a 409, read again.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var job = await _client.BatchV1.ReadNamespacedJobAsync(_jobName, _namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                KubernetesNames.SetWatcher(job.Metadata, "");
                await _client.BatchV1.ReplaceNamespacedJobAsync(job, _jobName, _namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
            {
                // Changed since it was read.
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _exit.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SubmissionException or HttpOperationException or HttpRequestException or IOException)
        {
            // Watching stopped; the Job is left to Kubernetes and to the workers' reconciliation.
        }

        _stop.Dispose();
    }

    /// <summary>Deletes a Job and, through foreground propagation, its pods first; a Job already gone is fine.</summary>
    public static async Task DeleteJobAsync(IKubernetes client, string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.BatchV1.DeleteNamespacedJobAsync(name, @namespace,
                new V1DeleteOptions { PropagationPolicy = "Foreground" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            // Already deleted.
        }
    }

    private async Task<InfrastructureExit> FollowAsync(CancellationToken stop)
    {
        await Task.Yield();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var podWatch = KubernetesWatch.FollowAsync<V1Pod, V1PodList>(
            (watch, version, timeout, ct) => _client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(_namespace,
                labelSelector: $"{KubernetesNames.JobNameLabel}={_jobName}", watch: watch, resourceVersion: version,
                allowWatchBookmarks: watch ? true : null, timeoutSeconds: timeout, cancellationToken: ct),
            (type, pod) => _pods.Writer.TryWrite((type, pod)), _time, watching.Token);
        var followers = new List<Task>();
        Task? logs = null;
        try
        {
            return await FollowPodAsync(pod => followers.Add(FollowEventsAsync(pod, watching.Token)), pod =>
            {
                logs = _settings.StreamOutput ? StreamLogsAsync(pod, watching.Token) : Task.CompletedTask;
                followers.Add(logs);
            }, () => logs, stop).ConfigureAwait(false);
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            foreach (var task in followers.Prepend(podWatch))
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or HttpOperationException or HttpRequestException or IOException)
                {
                    // Stopped with the handle.
                }
            }
        }
    }

    private async Task<InfrastructureExit> FollowPodAsync(Action<string> podSeen, Action<string> podRunning, Func<Task?> logs, CancellationToken stop)
    {
        var started = _time.GetUtcNow();
        var jobDeadline = _settings.JobWatchTimeoutSeconds is { } jobSeconds ? started.AddSeconds(jobSeconds) : DateTimeOffset.MaxValue;
        string? podName = null;
        DateTimeOffset? startDeadline = null;
        var stage = PodStage.Starting;
        PodProgress? ended = null;
        // With backoff_limit > 0 the Job makes a new pod after a failed one: each failed pod is looked at once, the Job's count
        // decides whether another follows.
        var failedPods = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var deadline = podName is null ? started.AddSeconds(_settings.PodWatchTimeoutSeconds) : stage == PodStage.Starting ? startDeadline!.Value : DateTimeOffset.MaxValue;
            if (_deleting)
            {
                deadline = DateTimeOffset.MaxValue;
            }

            var until = deadline < jobDeadline ? deadline : jobDeadline;
            (WatchEventType Type, V1Pod Pod) change;
            try
            {
                change = await ReadAsync(until, stop).ConfigureAwait(false);
            }
            catch (TimeoutException) when (!_deleting)
            {
                if (until == jobDeadline)
                {
                    _workerLog($"The Job did not finish within job_watch_timeout_seconds ({_settings.JobWatchTimeoutSeconds} s); deleting it.");
                    await DeleteJobAsync(_client, _namespace, _jobName, stop).ConfigureAwait(false);
                    return new InfrastructureExit(null) { Detail = $"the Job did not finish within job_watch_timeout_seconds ({_settings.JobWatchTimeoutSeconds} s) and was deleted" };
                }

                if (podName is null && await FinishedJobExitAsync(stop).ConfigureAwait(false) is { } finished)
                {
                    // An adopted Job whose pod is already gone: its own status tells how it ended.
                    return finished;
                }

                var reason = podName is null
                    ? $"no pod was created for Job {Id} within pod_watch_timeout_seconds ({_settings.PodWatchTimeoutSeconds} s){await JobProblemAsync(stop).ConfigureAwait(false)}"
                    : $"pod {podName} did not start within pod_start_timeout_seconds ({_settings.PodStartTimeoutSeconds} s){(LastReason is { } last ? $"; last reason: {last}" : "")}";
                await FailAsync(reason, stop).ConfigureAwait(false);
                throw new SubmissionException(reason);
            }

            if (_deleting && (podName is null || change is { Type: WatchEventType.Deleted } && change.Pod.Metadata?.Name == podName))
            {
                // The pod is gone (or there never was one): only now is the Job's end reported.
                return ended is { } last ? Exit(last) : new InfrastructureExit(null) { Detail = "the Job was deleted before its container ended" };
            }

            if (change.Pod.Metadata?.Name is not { } name || failedPods.Contains(name))
            {
                continue;
            }

            if (podName is not null && name != podName)
            {
                // Another pod of the Job (an adopter lists those that failed before it came): its failure counts too.
                if (PodProgress.Read(change.Pod, KubernetesNames.DefaultContainer) is { Stage: PodStage.Ended, ExitCode: not 0 })
                {
                    failedPods.Add(name);
                }

                continue;
            }

            if (podName is null)
            {
                podName = name;
                var created = change.Pod.Metadata.CreationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : _time.GetUtcNow();
                // An adopted pod's start timeout counts from its creation, but never ends before the adopter had a look.
                var fromCreation = created.AddSeconds(_settings.PodStartTimeoutSeconds);
                startDeadline = fromCreation > _time.GetUtcNow() ? fromCreation : _time.GetUtcNow().AddSeconds(5);
                _workerLog($"Pod {name} of Job {Id} created.");
                podSeen(name);
            }

            if (change.Type == WatchEventType.Deleted && !_deleting)
            {
                return ended is { } last ? Exit(last) : new InfrastructureExit(null) { Detail = $"pod {name} was deleted before its container ended" };
            }

            var progress = PodProgress.Read(change.Pod, KubernetesNames.DefaultContainer);
            if (progress.Stage == PodStage.Starting && progress.Reason is { } waiting && waiting != _lastReason)
            {
                _lastReason = waiting;
                _workerLog($"Pod {name} is not running yet: {waiting}");
                _waitingReason?.Invoke($"pod {name}: {waiting}");
            }

            if (progress is { Stage: PodStage.Starting, Fatal: true } && !_deleting)
            {
                await FailAsync($"pod {name} cannot start: {progress.Reason}", stop).ConfigureAwait(false);
                throw new SubmissionException($"pod {name} cannot start: {progress.Reason}");
            }

            if (progress.Stage is PodStage.Running or PodStage.Ended && stage == PodStage.Starting)
            {
                stage = PodStage.Running;
                _podRunning = true;
                _workerLog($"Pod {name} is running.");
                podRunning(name);
            }

            if (progress.Stage == PodStage.Ended)
            {
                ended = progress;
                if (!_deleting)
                {
                    await WaitForOutputAsync(logs(), stop).ConfigureAwait(false);
                    if (progress.ExitCode != 0 && _settings.BackoffLimit > 0 && failedPods.Add(name)
                        && await JobRetriesAsync(failedPods.Count, stop).ConfigureAwait(false) is { } failures)
                    {
                        _workerLog($"Pod {name} failed (exit code {progress.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}); the Job retries it (backoff_limit {_settings.BackoffLimit}, {failures} failed so far).");
                        (podName, stage, ended, started, _lastReason, _lastWarningEvent) = (null, PodStage.Starting, null, _time.GetUtcNow(), null, null);
                        continue;
                    }

                    return Exit(progress);
                }
            }
        }
    }

    /// <summary>
    /// After a pod failed: the Job's count of failed pods when it makes another one, or null when this failure is its end.
    /// The Job's own status decides, not the pods this handle saw: an adopter never saw the pods that failed before it came.
    /// The Job controller counts a pod's failure after the pod's update, so its status is read until it has (30 s at most,
    /// then the pods seen decide).
    /// </summary>
    private async Task<int?> JobRetriesAsync(int seenFailures, CancellationToken stop)
    {
        var deadline = _time.GetUtcNow().AddSeconds(30);
        while (true)
        {
            V1Job job;
            try
            {
                job = await _client.BatchV1.ReadNamespacedJobAsync(_jobName, _namespace, cancellationToken: stop).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            if (KubernetesJobStatus.Outcome(job) != KubernetesJobOutcome.Active)
            {
                return null;
            }

            if ((job.Status?.Failed ?? 0) >= seenFailures)
            {
                return job.Status!.Failed;
            }

            if (_time.GetUtcNow() >= deadline)
            {
                return seenFailures <= _settings.BackoffLimit ? seenFailures : null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _time, stop).ConfigureAwait(false);
        }
    }

    /// <summary>The pod's own waiting reason (the most specific), else its last warning event (a Job-level or kubelet message).</summary>
    private string? LastReason => _lastReason ?? _lastWarningEvent;

    private async Task<(WatchEventType, V1Pod)> ReadAsync(DateTimeOffset until, CancellationToken stop)
    {
        if (until == DateTimeOffset.MaxValue)
        {
            return await _pods.Reader.ReadAsync(stop).ConfigureAwait(false);
        }

        var remaining = until - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return _pods.Reader.TryRead(out var ready) ? ready : throw new TimeoutException();
        }

        return await _pods.Reader.ReadAsync(stop).AsTask().WaitAsync(remaining, _time, stop).ConfigureAwait(false);
    }

    private InfrastructureExit Exit(PodProgress ended)
    {
        var detail = ended.Reason switch
        {
            null => null,
            var r when r.StartsWith("OOMKilled", StringComparison.Ordinal) =>
                $"the container was OOMKilled: it used more memory than its limit{(_settings.MemoryLimit is { } limit ? $" ({limit})" : "")}",
            var r when r.StartsWith("Evicted", StringComparison.Ordinal) => $"the pod was evicted by Kubernetes ({r})",
            var r => r,
        };
        if (detail is not null)
        {
            _workerLog($"Pod of Job {Id} ended: {detail}.");
        }

        return new InfrastructureExit(ended.ExitCode) { Detail = detail };
    }

    /// <summary>A pod that will not start: its Job is deleted so that nothing runs later for a run reported crashed.</summary>
    private async Task FailAsync(string reason, CancellationToken stop)
    {
        _workerLog($"{char.ToUpperInvariant(reason[0])}{reason[1..]}; deleting Job {Id}.");
        await DeleteJobAsync(_client, _namespace, _jobName, stop).ConfigureAwait(false);
    }

    private async Task<InfrastructureExit?> FinishedJobExitAsync(CancellationToken stop)
    {
        V1Job job;
        try
        {
            job = await _client.BatchV1.ReadNamespacedJobAsync(_jobName, _namespace, cancellationToken: stop).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return new InfrastructureExit(null) { Detail = $"Job {Id} no longer exists" };
        }

        return KubernetesJobStatus.Outcome(job) switch
        {
            KubernetesJobOutcome.Succeeded => new InfrastructureExit(0),
            KubernetesJobOutcome.Failed => new InfrastructureExit(null) { Detail = $"Job {Id} failed: {KubernetesJobStatus.FailureMessage(job)}" },
            _ => null,
        };
    }

    private async Task<string> JobProblemAsync(CancellationToken stop)
    {
        var events = await _client.CoreV1.ListNamespacedEventAsync(_namespace, fieldSelector: $"involvedObject.name={_jobName}", cancellationToken: stop).ConfigureAwait(false);
        return events.Items.Where(e => e.Type == "Warning").MaxBy(e => e.LastTimestamp ?? e.EventTime ?? DateTime.MinValue) is { } warning
            ? $"; last reason: {warning.Reason}: {warning.Message}"
            : "";
    }

    private Task FollowEventsAsync(string pod, CancellationToken cancellationToken)
    {
        var seen = new HashSet<(string?, string?)>();
        return KubernetesWatch.FollowAsync<Corev1Event, Corev1EventList>(
            (watch, version, timeout, ct) => _client.CoreV1.ListNamespacedEventWithHttpMessagesAsync(_namespace,
                fieldSelector: $"involvedObject.name={pod}", watch: watch, resourceVersion: version, timeoutSeconds: timeout, cancellationToken: ct),
            (type, e) =>
            {
                if (type is WatchEventType.Added or WatchEventType.Modified && seen.Add((e.Reason, e.Message)))
                {
                    _workerLog($"Pod event {e.Reason}: {e.Message}");
                    if (e.Type == "Warning")
                    {
                        _lastWarningEvent = $"{e.Reason}: {e.Message}";
                        if (!_podRunning && _lastReason is null)
                        {
                            // The pod's own waiting reason says more; until it has one, the warning is the reason.
                            _waitingReason?.Invoke($"pod {pod}: {_lastWarningEvent}");
                        }
                    }
                }
            }, _time, cancellationToken);
    }

    /// <summary>The container's output, line by line, resuming after the lines already shipped when the stream breaks.</summary>
    private async Task StreamLogsAsync(string pod, CancellationToken cancellationToken)
    {
        var shipped = 0L;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var stream = await _client.CoreV1.ReadNamespacedPodLogAsync(pod, _namespace, KubernetesNames.DefaultContainer,
                    follow: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using var _ = stream.ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var read = 0L;
                while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    if (++read > shipped && read > _skipLines)
                    {
                        _output(line, false);
                    }

                    shipped = Math.Max(shipped, read);
                }

                return;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(Math.Min(5, backoff.TotalSeconds * 2));
            }
        }
    }

    private async Task WaitForOutputAsync(Task? logs, CancellationToken stop)
    {
        if (logs is null)
        {
            return;
        }

        try
        {
            // The log stream ends with the container; its last lines are shipped before the exit is reported.
            await logs.WaitAsync(TimeSpan.FromSeconds(10), _time, stop).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The stream stayed open after the exit: report the exit anyway.
        }
    }
}
