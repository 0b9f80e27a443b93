using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.States;
using Bosun.Server.Domain;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.ConcurrencyLimits;

/// <summary>Tag concurrency limits (docs/tasks.md): their upkeep, and the slots task runs take and give back.</summary>
internal sealed class ConcurrencyLimitService(BosunDatabase database, TimeProvider timeProvider)
{
    public const int MaxTagLength = 100;
    public const int MaxLimit = 100_000;

    /// <summary>How long a task run waits before asking again for a slot it was refused.</summary>
    public const double RetryAfterSeconds = 0.5;

    public async Task<ConcurrencyLimit> UpsertAsync(ConcurrencyLimitCreate request, CancellationToken cancellationToken)
    {
        ValidateTag(request.Tag, "tag");
        if (request.Limit is < 0 or > MaxLimit)
        {
            throw new ValidationException("limit", [$"must be 0 to {MaxLimit:N0}"]);
        }

        await database.WriteAsync(async scope =>
        {
            await ConcurrencyLimitStore.UpsertAsync(scope, request.Tag, request.Limit, timeProvider.GetUtcNow(), cancellationToken);
            return 0;
        }, cancellationToken);
        return await GetAsync(request.Tag, cancellationToken);
    }

    public Task<IReadOnlyList<ConcurrencyLimit>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(connection => ConcurrencyLimitStore.ListAsync(connection, null, null, cancellationToken), cancellationToken);

    public async Task<ConcurrencyLimit> GetAsync(string tag, CancellationToken cancellationToken) =>
        (await database.ReadAsync(connection => ConcurrencyLimitStore.ListAsync(connection, tag, null, cancellationToken), cancellationToken)).SingleOrDefault()
        ?? throw NotFound(tag);

    public async Task DeleteAsync(string tag, CancellationToken cancellationToken)
    {
        if (await database.WriteAsync(scope => ConcurrencyLimitStore.DeleteAsync(scope, tag, cancellationToken), cancellationToken) == 0)
        {
            throw NotFound(tag);
        }
    }

    /// <summary>A slot of every limit among the task's tags for a task run of a flow run that has not ended, or the full limit that holds it back.</summary>
    public async Task<ConcurrencySlotGrant> AcquireAsync(Guid flowRunId, ConcurrencySlotRequest request, CancellationToken cancellationToken)
    {
        if (request.Tags is null || request.Tags.Count > 50)
        {
            throw new ValidationException("tags", ["give 0 to 50 tags"]);
        }

        foreach (var tag in request.Tags)
        {
            ValidateTag(tag, "tags");
        }

        var full = await database.WriteAsync(async scope =>
        {
            var run = await FlowRunStore.GetAsync(scope.Connection, flowRunId, scope.Transaction, cancellationToken)
                ?? throw new NotFoundException($"Flow run {flowRunId} does not exist.");
            if (run.State.Type.IsTerminal())
            {
                throw new ConflictException($"Flow run {flowRunId} is {run.State.Type.ToWireName()}: its task runs take no more concurrency slots.");
            }

            return await ConcurrencyLimitStore.TryAcquireAsync(scope, flowRunId, request.TaskRunId, request.Tags, timeProvider.GetUtcNow(), cancellationToken);
        }, cancellationToken);
        return full is { } limit ? new ConcurrencySlotGrant(false, limit.Tag, limit.Limit, RetryAfterSeconds) : new ConcurrencySlotGrant(true);
    }

    public Task ReleaseAsync(Guid flowRunId, Guid taskRunId, CancellationToken cancellationToken) =>
        database.WriteAsync(scope => ConcurrencyLimitStore.ReleaseAsync(scope, flowRunId, taskRunId, cancellationToken), cancellationToken);

    private static void ValidateTag(string? tag, string field)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > MaxTagLength)
        {
            throw new ValidationException(field, [$"a tag is 1 to {MaxTagLength} characters, not blank"]);
        }
    }

    private static NotFoundException NotFound(string tag) =>
        new($"There is no concurrency limit for tag '{tag}'. List them with `bosun concurrency-limit ls`; create one with `bosun concurrency-limit create {tag} N`.");
}
