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

    private static readonly AsyncLocal<RunningCall?> RunningTask = new();

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

    /// <summary>How the message of a task run answered by a replay begins; the original task run's id follows.</summary>
    public const string ReplayedMessagePrefix = "replayed: the result of task run ";

    /// <summary>The task run of <paramref name="flowRunId"/> whose body is executing on this async flow: its log lines are that task run's.</summary>
    public static Guid? CurrentTaskRunOf(Guid flowRunId) => RunningTask.Value is { } running && running.FlowRunId == flowRunId ? running.TaskRunId : null;

    /// <summary>
    /// The task call of <paramref name="flowRunId"/> whose body is executing on this async flow, as a re-run after a
    /// suspension recognises it: the task's name and its call key (what its task run records as its key); null in the
    /// flow's own body. A subflow called from a task is replayed only to the same call (<see cref="SubflowReplay"/>).
    /// </summary>
    public static TaskCaller? CurrentCallerOf(Guid flowRunId) =>
        RunningTask.Value is { } running && running.FlowRunId == flowRunId ? new TaskCaller(running.TaskName, running.CallKey) : null;

    /// <summary>Results this run produced, so a repeated call finds them before the server has heard of them.</summary>
    private readonly ConcurrentDictionary<string, (string Json, DateTimeOffset Expiration, Guid TaskRunId, string Serializer)> _produced = new();

    /// <summary>How many calls with the same inputs this execution has made, per input key: the ordinal in a replay key.</summary>
    private readonly ConcurrentDictionary<string, int> _occurrences = new(StringComparer.Ordinal);

    /// <summary>The flow's result serializer, for the tasks that name none.</summary>
    public IResultSerializer DefaultSerializer { get; init; } = ResultSerializers.Json;

    /// <summary>
    /// The task runs this flow run completed before it suspended itself; null unless it is re-running after a resume. A
    /// call with the same key is answered from its result without running the body.
    /// </summary>
    public TaskReplay? Replay { get; init; }

    public async Task<object?> RunAsync(TaskDefinition task, object? target, object?[] arguments, CancellationToken cancellationToken)
    {
        var flowToken = FlowContext.Current.CancellationToken;
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(flowToken, cancellationToken);
        var run = new TaskRunState(Guid.NewGuid(), flowRunId, task.Name, recorder);
        // Set inside this async method, so it reaches the body and is gone again for the caller.
        RunningTask.Value = new RunningCall(flowRunId, run.Id, task.Name, null);
        using var activity = SdkTracing.Source.StartActivity("bosun.task_run");
        activity?.SetTag("bosun.task_run.id", run.Id.ToString());
        activity?.SetTag("bosun.task.name", task.Name);
        var serializer = task.Serializer ?? DefaultSerializer;
        var cacheKey = task.CacheExpiration is null ? null : task.CacheKey(arguments, flowRunId);
        // Every completed task run carries a key (its cache key, else one of its inputs and ordinal), so that a re-run after
        // a suspension finds it and answers the same call from its result.
        var replayKey = cacheKey ?? ReplayKey(task, arguments);
        RunningTask.Value = new RunningCall(flowRunId, run.Id, task.Name, replayKey);
        if (Replay is { } replay && replayKey is not null && replay.TryTake(replayKey, needsResult: task.ResultType is not null, out var earlier))
        {
            return await ReplayAsync(task, run, cacheKey, earlier, serializer, cancelled.Token).ConfigureAwait(false);
        }

        // From here on every report carries the call's key, a failed or suspended one too: a re-run after a suspension
        // matches the subflows this call started to the same call made again (only a COMPLETED task run answers a call).
        run.CallKey = replayKey;

        run.Report(TaskRunStateType.Pending, cacheKey: cacheKey);
        if (cacheKey is not null && await LookUpAsync(cacheKey, cancelled.Token).ConfigureAwait(false) is { } hit)
        {
            if (ResultSerializers.ForName(hit.Serializer, serializer) is { } reader)
            {
                var now = timeProvider.GetUtcNow();
                run.Report(TaskRunStateType.Cached, start: now, end: now, message: $"cached result of task run {hit.TaskRunId}", cacheKey: cacheKey);
                return reader.Deserialize(JsonNode.Parse(hit.Json), task.ResultType!);
            }

            logger.Write(RunLogLevel.Warning, $"Task '{task.Name}': the cached result of task run {hit.TaskRunId} was written by the serializer '{hit.Serializer}', which this task does not know; running the task.");
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
                return await RunAttemptsAsync(task, target, arguments, run, (cacheKey, replayKey, serializer), cancelled).ConfigureAwait(false);
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

    /// <summary>
    /// The key of a call for a replay: its input key and how many calls with those inputs came before it in this
    /// execution; null when its inputs cannot be written as JSON (such a call is run again on a replay).
    /// </summary>
    private string? ReplayKey(TaskDefinition task, object?[] arguments)
    {
        string input;
        try
        {
            input = task.InputKey(arguments);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }

        return $"replay:{input}.{_occurrences.AddOrUpdate(input, 1, static (_, count) => count + 1)}";
    }

    /// <summary>
    /// A call answered from a task run its flow run completed before suspending: its result, its body not run again. The
    /// call is still a task run of this execution, CACHED (no body ran), its message naming the task run that answered it;
    /// it carries no result of its own (read the original's) and no replay key, so a later resume replays the original again.
    /// </summary>
    private async Task<object?> ReplayAsync(TaskDefinition task, TaskRunState run, string? cacheKey, TaskRun earlier, IResultSerializer serializer,
        CancellationToken cancellationToken)
    {
        object? value = null;
        if (task.ResultType is not null)
        {
            var stored = await client.GetTaskRunResultAsync(earlier.Id, cancellationToken).ConfigureAwait(false);
            var reader = ResultSerializers.ForName(stored.Serializer, serializer)
                ?? throw new InvalidOperationException($"Task '{task.Name}': the result of task run {earlier.Id} was written by the serializer '{stored.Serializer}', which this task does not know.");
            value = reader.Deserialize(stored.Value, task.ResultType);
        }

        var now = timeProvider.GetUtcNow();
        run.Report(TaskRunStateType.Cached, start: now, end: now, cacheKey: cacheKey,
            message: $"{ReplayedMessagePrefix}{earlier.Id}, completed before the run suspended");
        logger.Write(RunLogLevel.Info, $"Task '{task.Name}' answered from task run {earlier.Id}, completed before the run suspended: its body is not run again.");
        return value;
    }

    private async Task<object?> RunAttemptsAsync(TaskDefinition task, object? target, object?[] arguments, TaskRunState run,
        (string? CacheKey, string? ReplayKey, IResultSerializer Serializer) keep, CancellationTokenSource cancelled)
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
                Complete(task, run, keep, value);
                return value;
            }
            catch (OperationCanceledException) when (cancelled.IsCancellationRequested)
            {
                run.Report(TaskRunStateType.Failed, end: timeProvider.GetUtcNow(), message: "cancelled: the flow run was cancelled");
                throw;
            }
            catch (FlowRunSuspendedException)
            {
                // Not the task's failure: the run is suspended and its process is to exit. No retry, which would suspend
                // again a run that is already PAUSED; the re-run after the resume calls the task anew.
                run.Report(TaskRunStateType.Failed, end: timeProvider.GetUtcNow(),
                    message: "suspended: the flow run was suspended in this task's body; the re-run after the resume calls the task again");
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

    private void Complete(TaskDefinition task, TaskRunState run, (string? CacheKey, string? ReplayKey, IResultSerializer Serializer) keep, object? value)
    {
        var now = timeProvider.GetUtcNow();
        JsonNode? result = null;
        var hasResult = false;
        var (cacheKey, replayKey, serializer) = keep;
        if (task.ResultType is not null)
        {
            try
            {
                result = serializer.Serialize(value, task.ResultType);
                hasResult = true;
            }
            catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
            {
                logger.Write(RunLogLevel.Warning, $"Task '{task.Name}' ({run.Id}): its result of type {task.ResultType.Name} cannot be written by the serializer '{serializer.Name}', so it is neither kept nor cached: {ex.Message}");
            }
        }

        DateTimeOffset? expiration = null;
        if (cacheKey is not null && hasResult)
        {
            expiration = now + task.CacheExpiration!.Value;
            _produced[cacheKey] = (result?.ToJsonString() ?? "null", expiration.Value, run.Id, serializer.Name);
        }

        // Without a cache entry the task run keeps its replay key (and no expiration, so that no cache lookup finds it).
        run.Report(TaskRunStateType.Completed, end: now, cacheKey: expiration is null ? replayKey : cacheKey, cacheExpiration: expiration, result: result, hasResult: hasResult,
            resultSerializer: hasResult ? serializer.Name : null);
    }

    private async Task<(string Json, Guid TaskRunId, string Serializer)?> LookUpAsync(string cacheKey, CancellationToken cancellationToken)
    {
        if (_produced.TryGetValue(cacheKey, out var local) && local.Expiration > timeProvider.GetUtcNow())
        {
            return (local.Json, local.TaskRunId, local.Serializer);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CacheLookupTimeout);
        try
        {
            var found = await client.LookUpTaskCacheAsync(cacheKey, limit.Token).ConfigureAwait(false);
            return (found.ResultJson, found.TaskRunId, found.Serializer);
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

        /// <summary>The key each report carries when it names none (the call's cache or replay key); null until the call runs.</summary>
        public string? CallKey { get; set; }

        public void Report(TaskRunStateType state, int? attempts = null, DateTimeOffset? start = null, DateTimeOffset? end = null,
            string? message = null, string? cacheKey = null, DateTimeOffset? cacheExpiration = null, JsonNode? result = null, bool hasResult = false,
            string? resultSerializer = null)
        {
            _attempts = attempts ?? _attempts;
            _start ??= start;
            recorder.Add(new TaskRunReport(id, flowRunId, name, Interlocked.Increment(ref _sequence), state, _attempts, _start, end, message,
                cacheKey ?? CallKey, cacheExpiration, result, hasResult) { ResultSerializer = resultSerializer });
        }
    }

    /// <summary>What <see cref="RunningTask"/> holds: the task run executing on an async flow, and its call.</summary>
    private sealed record RunningCall(Guid FlowRunId, Guid TaskRunId, string TaskName, string? CallKey);
}
