using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Results;
using Bosun.Contracts.TaskRuns;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Storage;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.TaskRuns;

/// <summary>Task runs recorded in batches, the cache over their results, and the results of flow and task runs.</summary>
internal sealed class TaskRunService(BosunDatabase database, ResultFolder results, TimeProvider timeProvider)
{
    public const int MaxBatch = 1_000;
    public const int MaxNameLength = 200;
    public const int MaxMessageLength = 10_000;
    public const int MaxCacheKeyLength = 200;
    public const int MaxSerializerLength = 100;

    /// <summary>The name stored for a serializer: null for JSON, the default.</summary>
    private static string? Serializer(string? name) => string.IsNullOrWhiteSpace(name) || name == "json" ? null : name;

    public async Task RecordAsync(IReadOnlyList<TaskRunReport> reports, BosunCaller caller, CancellationToken cancellationToken)
    {
        if (reports.Count == 0)
        {
            return;
        }

        if (reports.Count > MaxBatch)
        {
            throw new ValidationException("reports", [$"at most {MaxBatch} reports per request; this one has {reports.Count}"]);
        }

        if (caller.RunId is { } ownRun && reports.Any(report => report.FlowRunId != ownRun)
            && await database.ReadAsync(connection => FlowRunStore.FirstOutsideTreeAsync(connection, reports.Select(report => report.FlowRunId), ownRun, cancellationToken), cancellationToken) is { } outside)
        {
            throw new ForbiddenException($"A token for flow run {ownRun} may record the task runs of that run and of its subflows and child runs only; flow run {outside} is not one of them.");
        }

        var stored = new List<StoredTaskRunReport>(reports.Count);
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            Check($"[{i}].task_name", report.TaskName, MaxNameLength, required: true);
            Check($"[{i}].message", report.Message, MaxMessageLength, required: false);
            Check($"[{i}].cache_key", report.CacheKey, MaxCacheKeyLength, required: false);
            Check($"[{i}].result_serializer", report.ResultSerializer, MaxSerializerLength, required: false);
            if (report.Attempts < 0 || report.Sequence < 0)
            {
                throw new ValidationException($"[{i}].attempts", ["attempts and sequence must be 0 or more"]);
            }

            var result = report.HasResult ? await results.PlaceAsync("task", report.Id, report.Result?.ToJsonString() ?? "null", cancellationToken) : null;
            stored.Add(new StoredTaskRunReport(report.Id, report.FlowRunId, report.TaskName, report.Sequence, EnumNames.Of(report.State), report.Attempts,
                Ms(report.StartTime), Ms(report.EndTime), report.Message, report.CacheKey, Ms(report.CacheExpiration),
                result?.Result, result?.ResultRef, result?.ResultSize) { ResultSerializer = Serializer(report.ResultSerializer) });
        }

        var runIds = reports.Select(report => report.FlowRunId).Distinct().ToList();
        await database.WriteAsync(async scope =>
        {
            var known = await FlowRunStore.ExistingAsync(scope, runIds, cancellationToken);
            if (runIds.FirstOrDefault(id => !known.Contains(id)) is var unknown && unknown != Guid.Empty)
            {
                throw FlowRunService.NotFound(unknown);
            }

            return await TaskRunStore.UpsertAsync(scope, stored, timeProvider.GetUtcNow(), cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<TaskRun>> ListAsync(Guid flowRunId, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            await FlowRunService.EnsureExistsAsync(connection, flowRunId, cancellationToken);
            return await TaskRunStore.ListAsync(connection, flowRunId, cancellationToken);
        }, cancellationToken);

    public async Task<TaskRun> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => TaskRunStore.GetAsync(connection, id, cancellationToken), cancellationToken) ?? throw NotFound(id);

    public async Task<RunResult> TaskRunResultAsync(Guid id, CancellationToken cancellationToken)
    {
        var stored = await database.ReadAsync(connection => TaskRunStore.ResultAsync(connection, id, cancellationToken), cancellationToken);
        if (stored is null)
        {
            await GetAsync(id, cancellationToken);
            throw new NotFoundException($"Task run {id} recorded no result: it has not completed, failed, or returned nothing.");
        }

        return await ToResultAsync(stored, cancellationToken);
    }

    public async Task<TaskCacheLookup> LookUpAsync(string cacheKey, CancellationToken cancellationToken)
    {
        Check("cache_key", cacheKey, MaxCacheKeyLength, required: true);
        var cached = await database.ReadAsync(connection => TaskRunStore.CachedAsync(connection, cacheKey, timeProvider.GetUtcNow(), cancellationToken), cancellationToken);
        return cached is null
            ? throw new NotFoundException($"No unexpired result of a completed task run is cached under the key '{cacheKey}'.")
            : new TaskCacheLookup(cached.Id, await results.ReadAsync(cached.Stored, cancellationToken), Time(cached.CacheExpiration)) { Serializer = cached.ResultSerializer ?? "json" };
    }

    public async Task SetFlowRunResultAsync(Guid flowRunId, ResultWrite write, CancellationToken cancellationToken)
    {
        Check("serializer", write.Serializer, MaxSerializerLength, required: false);
        var stored = await results.PlaceAsync("flow", flowRunId, write.Value?.ToJsonString() ?? "null", cancellationToken);
        stored.ResultSerializer = Serializer(write.Serializer);
        await database.WriteAsync(async scope =>
        {
            if ((await FlowRunStore.ExistingAsync(scope, [flowRunId], cancellationToken)).Count == 0)
            {
                throw FlowRunService.NotFound(flowRunId);
            }

            return await TaskRunStore.SetFlowRunResultAsync(scope, flowRunId, stored, timeProvider.GetUtcNow(), cancellationToken);
        }, cancellationToken);
    }

    public async Task<RunResult> FlowRunResultAsync(Guid flowRunId, CancellationToken cancellationToken)
    {
        var stored = await database.ReadAsync(async connection =>
        {
            await FlowRunService.EnsureExistsAsync(connection, flowRunId, cancellationToken);
            return await TaskRunStore.FlowRunResultAsync(connection, flowRunId, cancellationToken);
        }, cancellationToken) ?? throw new NotFoundException($"Flow run {flowRunId} recorded no result: it has not completed, or its flow returns nothing.");
        return await ToResultAsync(stored, cancellationToken);
    }

    private async Task<RunResult> ToResultAsync(StoredResult stored, CancellationToken cancellationToken) =>
        new(JsonNode.Parse(await results.ReadAsync(stored, cancellationToken)), stored.ResultSize, stored.ResultRef is not null) { Serializer = stored.ResultSerializer ?? "json" };

    private static NotFoundException NotFound(Guid id) =>
        new($"Task run {id} does not exist. List a flow run's task runs with `bosun task-run ls --flow-run RUN`.");

    private static void Check(string field, string? value, int maxLength, bool required)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            throw new ValidationException(field, ["must not be empty"]);
        }

        if (value is { Length: var length } && length > maxLength)
        {
            throw new ValidationException(field, [$"is {length} characters; the limit is {maxLength}"]);
        }
    }
}
