using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Logs;
using Bosun.Contracts.TaskRuns;

namespace Bosun.Sdk;

/// <summary>
/// Runs the task calls of one flow run: cache lookup, attempts with timeout, retries with delays on the flow's clock,
/// and a report to <see cref="TaskRunRecorder"/> at each transition. Nothing here waits for the server except the cache
/// lookup, which gives up after <see cref="CacheLookupTimeout"/> and runs the body.
/// </summary>
internal sealed class TaskRunner(Guid flowRunId, BosunClient client, TaskRunRecorder recorder, RunLogger logger, TimeProvider timeProvider)
{
    /// <summary>How long a cache lookup may take before the body runs instead (the server may be away).</summary>
    public TimeSpan CacheLookupTimeout { get; init; } = TimeSpan.FromSeconds(5);

    private static readonly AsyncLocal<(Guid FlowRunId, Guid TaskRunId)?> RunningTask = new();

    /// <summary>The flow's own task slots; a SemaphoreSlim whose wait handle is never asked for holds nothing to dispose.</summary>
    private readonly SemaphoreSlim? _flowSlots;

    /// <summary>Most task runs of this flow run executing at once; 0 for no limit (<see cref="FlowAttribute.TaskConcurrency"/>).</summary>
    public int TaskConcurrency
    {
        get;
        init
        {
            field = value;
            _flowSlots = value > 0 ? new SemaphoreSlim(value, value) : null;
        }
    }

    /// <summary>The task run whose body is executing on this async flow, if any: a subflow called from it is linked to it.</summary>
    public static Guid? CurrentTaskRunId => RunningTask.Value?.TaskRunId;

    /// <summary>The task run of <paramref name="flowRunId"/> whose body is executing on this async flow: its log lines are that task run's.</summary>
    public static Guid? CurrentTaskRunOf(Guid flowRunId) => RunningTask.Value is { } running && running.FlowRunId == flowRunId ? running.TaskRunId : null;

    /// <summary>Results this run produced, so a repeated call finds them before the server has heard of them.</summary>
    private readonly ConcurrentDictionary<string, (string Json, DateTimeOffset Expiration, Guid TaskRunId)> _produced = new();

    public async Task<object?> RunAsync(TaskDefinition task, object? target, object?[] arguments, CancellationToken cancellationToken)
    {
        var flowToken = FlowContext.Current.CancellationToken;
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(flowToken, cancellationToken);
        var run = new TaskRunState(Guid.NewGuid(), flowRunId, task.Name, recorder);
        // Set inside this async method, so it reaches the body and is gone again for the caller.
        RunningTask.Value = (flowRunId, run.Id);
        using var activity = SdkTracing.Source.StartActivity("bosun.task_run");
        activity?.SetTag("bosun.task_run.id", run.Id.ToString());
        activity?.SetTag("bosun.task.name", task.Name);
        var cacheKey = task.CacheExpiration is null ? null : task.CacheKey(arguments);
        run.Report(TaskRunStateType.Pending, cacheKey: cacheKey);
        if (cacheKey is not null && await LookUpAsync(cacheKey, cancelled.Token).ConfigureAwait(false) is { } hit)
        {
            var now = timeProvider.GetUtcNow();
            run.Report(TaskRunStateType.Cached, start: now, end: now, message: $"cached result of task run {hit.TaskRunId}", cacheKey: cacheKey);
            return JsonSerializer.Deserialize(hit.Json, task.ResultType!, ParameterSchema.JsonOptions);
        }

        var flowSlots = _flowSlots;
        if (flowSlots is not null && !flowSlots.Wait(0, CancellationToken.None))
        {
            run.Report(TaskRunStateType.Pending, message: $"waiting: {TaskConcurrency} task runs of this flow run are running (its task concurrency)");
            await flowSlots.WaitAsync(cancelled.Token).ConfigureAwait(false);
        }

        try
        {
            var holdsTagSlots = await AcquireTagSlotsAsync(task, run, cancelled.Token).ConfigureAwait(false);
            try
            {
                return await RunAttemptsAsync(task, target, arguments, run, cacheKey, cancelled).ConfigureAwait(false);
            }
            finally
            {
                if (holdsTagSlots)
                {
                    await ReleaseTagSlotsAsync(run).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            flowSlots?.Release();
        }
    }

    /// <summary>
    /// Takes a slot of every tag limit among the task's tags, asking the server again while one is full (the task run is
    /// PENDING, its message naming the tag). False when the task has no tags: nothing to give back.
    /// </summary>
    private async Task<bool> AcquireTagSlotsAsync(TaskDefinition task, TaskRunState run, CancellationToken cancellationToken)
    {
        if (task.Attribute.Tags.Length == 0)
        {
            return false;
        }

        string? waitingOn = null;
        while (true)
        {
            var grant = await client.AcquireConcurrencySlotsAsync(flowRunId, new ConcurrencySlotRequest(run.Id, task.Attribute.Tags), cancellationToken).ConfigureAwait(false);
            if (grant.Acquired)
            {
                return true;
            }

            if (grant.FullTag != waitingOn)
            {
                waitingOn = grant.FullTag;
                run.Report(TaskRunStateType.Pending, message: $"waiting for a concurrency slot of tag '{grant.FullTag}' (limit {grant.Limit} reached)");
            }

            await Task.Delay(TimeSpan.FromSeconds(grant.RetryAfterSeconds ?? 0.5), timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Gives the task run's tag slots back. Should the server not answer, they are not lost for good: a slot of a flow run
    /// that has ended no longer counts.
    /// </summary>
    private async Task ReleaseTagSlotsAsync(TaskRunState run)
    {
        try
        {
            await client.ReleaseConcurrencySlotsAsync(flowRunId, run.Id, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException or HttpRequestException)
        {
            logger.Write(RunLogLevel.Warning, $"The concurrency slots of task run {run.Id} could not be given back ({ex.Message}); they are freed when this flow run ends.");
        }
    }

    private async Task<object?> RunAttemptsAsync(TaskDefinition task, object? target, object?[] arguments, TaskRunState run, string? cacheKey, CancellationTokenSource cancelled)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = timeProvider.GetUtcNow();
            run.Report(TaskRunStateType.Running, attempts: attempt, start: started);
            Exception failure;
            var timedOut = false;
            try
            {
                var value = await AttemptAsync(task, target, arguments, cancelled.Token).ConfigureAwait(false);
                Complete(task, run, cacheKey, value);
                return value;
            }
            catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
            {
                run.Report(TaskRunStateType.Failed, end: timeProvider.GetUtcNow(), message: "cancelled: the flow run was cancelled");
                throw;
            }
            catch (TaskTimeoutException ex)
            {
                failure = ex;
                timedOut = true;
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            var message = $"{failure.GetType().FullName}: {failure.Message}";
            var now = timeProvider.GetUtcNow();
            if (attempt > task.Attribute.Retries)
            {
                run.Report(timedOut ? TaskRunStateType.TimedOut : TaskRunStateType.Failed, end: now,
                    message: timedOut ? message : $"{message}{Environment.NewLine}{failure.StackTrace}");
                logger.Write(RunLogLevel.Error, $"Task '{task.Name}' ({run.Id}) {(timedOut ? "timed out" : "failed")} after {attempt} attempt(s): {message}");
                if (timedOut)
                {
                    throw new TimeoutException(failure.Message, failure);
                }

                ExceptionDispatchInfo.Throw(failure);
            }

            var delay = task.RetryDelay(attempt, Random.Shared);
            run.Report(TaskRunStateType.Retrying, message: $"attempt {attempt} {(timedOut ? "timed out" : "failed")} ({message}); retrying in {delay.TotalSeconds:0.###} s");
            logger.Write(RunLogLevel.Warning, $"Task '{task.Name}' ({run.Id}) attempt {attempt} {(timedOut ? "timed out" : "failed")}: {message}; retrying in {delay.TotalSeconds:0.###} s.");
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, timeProvider, cancelled.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One attempt: the body gets a token that fires at the timeout (and with the flow's); when the timeout comes first
    /// the attempt is over, whether or not the body heeds its token. A body that ignores it is abandoned, still running.
    /// </summary>
    private async Task<object?> AttemptAsync(TaskDefinition task, object? target, object?[] arguments, CancellationToken cancellationToken)
    {
        if (task.Timeout is not { } timeout)
        {
            return await task.InvokeAsync(target, task.WithToken(arguments, cancellationToken)).ConfigureAwait(false);
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var withToken = task.WithToken(arguments, attempt.Token);
        var body = task.IsAsync ? task.InvokeAsync(target, withToken) : Task.Run(() => task.InvokeAsync(target, withToken), CancellationToken.None);
        using var stopTimer = new CancellationTokenSource();
        var timer = Task.Delay(timeout, timeProvider, stopTimer.Token);
        if (await Task.WhenAny(body, timer).ConfigureAwait(false) == body)
        {
            await stopTimer.CancelAsync().ConfigureAwait(false);
            return await body.ConfigureAwait(false);
        }

        await attempt.CancelAsync().ConfigureAwait(false);
        // Abandoned: whatever it ends with later is observed here, never raised as an unobserved task exception.
        _ = body.ContinueWith(static abandoned => abandoned.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        throw new TaskTimeoutException($"task '{task.Name}' did not finish within {timeout.TotalSeconds:0.###} s: its token fired and the attempt was abandoned");
    }

    private void Complete(TaskDefinition task, TaskRunState run, string? cacheKey, object? value)
    {
        var now = timeProvider.GetUtcNow();
        JsonNode? result = null;
        var hasResult = false;
        if (task.ResultType is not null)
        {
            try
            {
                result = JsonSerializer.SerializeToNode(value, task.ResultType, ParameterSchema.JsonOptions);
                hasResult = true;
            }
            catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
            {
                logger.Write(RunLogLevel.Warning, $"Task '{task.Name}' ({run.Id}): its result of type {task.ResultType.Name} cannot be written as JSON, so it is neither kept nor cached: {ex.Message}");
            }
        }

        DateTimeOffset? expiration = null;
        if (cacheKey is not null && hasResult)
        {
            expiration = now + task.CacheExpiration!.Value;
            _produced[cacheKey] = (result?.ToJsonString() ?? "null", expiration.Value, run.Id);
        }

        run.Report(TaskRunStateType.Completed, end: now, cacheKey: expiration is null ? null : cacheKey, cacheExpiration: expiration, result: result, hasResult: hasResult);
    }

    private async Task<(string Json, Guid TaskRunId)?> LookUpAsync(string cacheKey, CancellationToken cancellationToken)
    {
        if (_produced.TryGetValue(cacheKey, out var local) && local.Expiration > timeProvider.GetUtcNow())
        {
            return (local.Json, local.TaskRunId);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CacheLookupTimeout);
        try
        {
            var found = await client.LookUpTaskCacheAsync(cacheKey, limit.Token).ConfigureAwait(false);
            return (found.ResultJson, found.TaskRunId);
        }
        catch (BosunApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.Write(RunLogLevel.Warning, $"The task cache did not answer within {CacheLookupTimeout.TotalSeconds:0.#} s; running the task.");
            return null;
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException or HttpRequestException)
        {
            logger.Write(RunLogLevel.Warning, $"The task cache could not be read ({ex.Message}); running the task.");
            return null;
        }
    }

    /// <summary>The fields of one task run that carry over from report to report.</summary>
    private sealed class TaskRunState(Guid id, Guid flowRunId, string name, TaskRunRecorder recorder)
    {
        private long _sequence;
        private int _attempts;
        private DateTimeOffset? _start;

        public Guid Id => id;

        public void Report(TaskRunStateType state, int? attempts = null, DateTimeOffset? start = null, DateTimeOffset? end = null,
            string? message = null, string? cacheKey = null, DateTimeOffset? cacheExpiration = null, JsonNode? result = null, bool hasResult = false)
        {
            _attempts = attempts ?? _attempts;
            _start ??= start;
            recorder.Add(new TaskRunReport(id, flowRunId, name, Interlocked.Increment(ref _sequence), state, _attempts, _start, end, message,
                cacheKey, cacheExpiration, result, hasResult));
        }
    }
}
