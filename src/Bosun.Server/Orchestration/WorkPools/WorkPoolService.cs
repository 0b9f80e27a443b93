using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.WorkPools;

/// <summary>Work pools, their queues and workers: validation and the signals that wake waiting claims.</summary>
internal sealed class WorkPoolService(BosunDatabase database, ClaimSignal claimSignal, TimeProvider timeProvider)
{
    public const string DefaultQueueName = "default";

    /// <summary>
    /// Creates a pool with its default queue. Sent again with the same <paramref name="requestKey"/> (a lost answer), it
    /// answers the pool the first attempt made, <c>Created</c> false; 409 for a pool of that name made otherwise.
    /// </summary>
    public async Task<(WorkPool Pool, bool Created)> CreatePoolAsync(WorkPoolCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        Require(NameRules.Check(request.Name, "Work pool"), "name");
        IdempotencyKeys.Check(requestKey);
        if (!WorkPoolTypes.IsKnown(request.Type))
        {
            throw new ValidationException("type", [$"unknown work pool type '{request.Type}'; use one of {string.Join(", ", WorkPoolTypes.All)}"]);
        }

        CheckLimit(request.ConcurrencyLimit);
        var template = request.BaseJobTemplate ?? DefaultJobTemplates.For(request.Type);
        JobTemplateValidator.ValidateTemplate(template);
        // The type's defaults cover the variables this template declares (a custom template may leave some out).
        var declared = SecretMask.VariablesOf(template)?["properties"] as JsonObject;
        var policy = request.JobVariablePolicy
            ?? JobVariablePolicy.Defaults(request.Type).Where(rule => declared?.ContainsKey(rule.Key) == true).ToDictionary(StringComparer.Ordinal);
        CheckPolicy(policy, template);
        var now = timeProvider.GetUtcNow();
        var id = requestKey is null ? Guid.NewGuid() : RequestKeyIds.Of(requestKey);
        var created = await database.WriteAsync(async scope =>
        {
            // The first attempt's pool, by the id its key gives; then by name (on PostgreSQL each read sees what committed
            // before it, so an attempt committing between the two is found by the second).
            if (requestKey is not null && await WorkPoolStore.GetPoolByIdAsync(scope.Connection, id, now, scope.Transaction, cancellationToken) is { } earlier)
            {
                return earlier.Name == request.Name ? false : throw RequestKeyIds.UsedElsewhere(requestKey, $"work pool '{earlier.Name}'");
            }

            if (await WorkPoolStore.GetPoolAsync(scope.Connection, request.Name, now, scope.Transaction, cancellationToken) is { } existing)
            {
                return existing.Id == id
                    ? false
                    : throw new ConflictException($"Work pool '{request.Name}' already exists. Update it with `bosun work-pool update`, or pass --overwrite.");
            }

            var pool = new WorkPoolRow
            {
                Id = id,
                Name = request.Name,
                Type = request.Type,
                Description = request.Description,
                BaseJobTemplate = StoredValues.JsonText(template),
                JobVariablePolicy = StoredValues.PolicyText(policy),
                Paused = request.Paused,
                ConcurrencyLimit = request.ConcurrencyLimit,
                Created = StoredValues.Ms(now),
                Updated = StoredValues.Ms(now),
            };
            await WorkPoolStore.InsertPoolAsync(scope, pool, cancellationToken);
            await WorkPoolStore.InsertQueueAsync(scope, new WorkQueueRow
            {
                Id = Guid.NewGuid(),
                WorkPoolId = pool.Id,
                Name = DefaultQueueName,
                Description = "The pool's default queue.",
                Priority = 1,
            }, now, cancellationToken);
            return true;
        }, cancellationToken);
        return (await GetPoolAsync(request.Name, cancellationToken), created);
    }

    public async Task<WorkPool> GetPoolAsync(string name, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var row = await database.ReadAsync(connection => WorkPoolStore.GetPoolAsync(connection, name, now, cancellationToken: cancellationToken), cancellationToken);
        return (row ?? throw PoolNotFound(name)).ToContract();
    }

    /// <summary>The job a run on the pool would get with its template's defaults and <paramref name="request"/>'s job variables, secrets masked.</summary>
    public async Task<JobPreview> PreviewJobAsync(string name, JobPreviewRequest request, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var pool = await database.ReadAsync(connection => WorkPoolStore.GetPoolAsync(connection, name, now, cancellationToken: cancellationToken), cancellationToken)
            ?? throw PoolNotFound(name);
        return PreviewJob(pool, null, request.JobVariables);
    }

    /// <summary>
    /// A pool's job rendered with deployment and run job variables, as a worker would render it: secret values masked,
    /// <c>{{ $NAME }}</c> placeholders of the worker's environment left visible. Nothing runs.
    /// </summary>
    /// <remarks>
    /// The pool's job-variable policy applies as the worker applies it: locked variables show the pool's value and are
    /// listed in <see cref="JobPreview.PolicyLocked"/>; values a constrained rule refuses are shown and listed in
    /// <see cref="JobPreview.PolicyRefused"/> (a worker would not start such a run).
    /// </remarks>
    public static JobPreview PreviewJob(WorkPoolRow pool, JsonObject? deploymentVariables, JsonObject? runVariables, JsonObject? exemptions = null)
    {
        var template = StoredValues.Object(pool.BaseJobTemplate);
        var variablesSchema = SecretMask.VariablesOf(template);
        JobTemplateValidator.ValidateJobVariables(template, deploymentVariables, runVariables, enforceRequired: false, "job_variables");
        var outcome = JobVariablePolicy.Apply(StoredValues.Policy(pool.JobVariablePolicy), variablesSchema, deploymentVariables, runVariables, exemptions);
        var values = SecretMask.Apply(outcome.Values, variablesSchema);
        var configuration = JobTemplateRenderer.Render(template, values, variable => $"{{{{ ${variable} }}}}");
        return new JobPreview(pool.Name, pool.Type, values, configuration)
        {
            PolicyLocked = outcome.Locked.Count > 0 ? outcome.Locked : null,
            PolicyRefused = outcome.Refused.Count > 0 ? outcome.Refused : null,
        };
    }

    /// <summary>A page of pools by name: from <paramref name="offset"/>, or after the pool a <paramref name="cursor"/> names.</summary>
    public Task<Page<WorkPool>> ListPoolsAsync(string? type, int offset, int limit, string? cursor, CancellationToken cancellationToken) =>
        ListPoolsAsync(type, null, offset, limit, cursor, cancellationToken);

    /// <summary>
    /// A page of pools by name whose name contains <paramref name="nameContains"/> (any case; matched in SQL) when given:
    /// from <paramref name="offset"/>, or after the pool a <paramref name="cursor"/> names; the total counts every match.
    /// </summary>
    public async Task<Page<WorkPool>> ListPoolsAsync(string? type, string? nameContains, int offset, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var after = KeyCursor.Parts(cursor, 1)?[0];
        return await database.ReadAsync(async connection =>
        {
            var rows = await WorkPoolStore.ListPoolsAsync(connection, type, nameContains, after, offset, limit + 1, now, cancellationToken);
            var total = await WorkPoolStore.CountPoolsAsync(connection, type, nameContains, cancellationToken);
            var (page, next) = KeyCursor.Cut(rows, limit, row => [row.Name]);
            return new Page<WorkPool>(page.Select(row => row.ToContract()).ToList(), total, offset, limit) { NextCursor = next };
        }, cancellationToken);
    }

    public async Task<WorkPool> UpdatePoolAsync(string name, WorkPoolUpdate update, CancellationToken cancellationToken)
    {
        if (update.BaseJobTemplate is not null)
        {
            JobTemplateValidator.ValidateTemplate(update.BaseJobTemplate);
        }

        await ChangePoolAsync(name, pool =>
        {
            pool.Description = update.Description ?? pool.Description;
            if (update.BaseJobTemplate is not null)
            {
                pool.BaseJobTemplate = StoredValues.JsonText(update.BaseJobTemplate);
            }

            if (update.JobVariablePolicy is not null)
            {
                pool.JobVariablePolicy = StoredValues.PolicyText(update.JobVariablePolicy);
            }

            // A new template must still declare every variable the policy names, and a new policy must fit the template.
            if (StoredValues.Policy(pool.JobVariablePolicy) is { } policy)
            {
                CheckPolicy(policy, StoredValues.Object(pool.BaseJobTemplate));
            }
        }, cancellationToken);
        return await GetPoolAsync(name, cancellationToken);
    }

    public async Task<WorkPool> SetPoolPausedAsync(string name, bool paused, CancellationToken cancellationToken)
    {
        await ChangePoolAsync(name, pool => pool.Paused = paused, cancellationToken);
        claimSignal.NotifyAll();
        return await GetPoolAsync(name, cancellationToken);
    }

    public async Task<WorkPool> SetPoolLimitAsync(string name, int? limit, CancellationToken cancellationToken)
    {
        CheckLimit(limit);
        await ChangePoolAsync(name, pool => pool.ConcurrencyLimit = limit, cancellationToken);
        claimSignal.NotifyAll();
        return await GetPoolAsync(name, cancellationToken);
    }

    public async Task DeletePoolAsync(string name, bool force, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, name, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(name);
            if (!force && pool.SlotsInUse > 0)
            {
                throw new ConflictException(
                    $"Work pool '{name}' has {pool.SlotsInUse} run(s) in flight (PENDING, RUNNING or CANCELLING). Wait for them, cancel them, or delete with force=true.");
            }

            await WorkPoolStore.DeletePoolAsync(scope, pool.Id, cancellationToken);
            return 0;
        }, cancellationToken);
    }

    /// <summary>
    /// Adds a queue to a pool. Sent again with the same <paramref name="requestKey"/> (a lost answer), it answers the queue
    /// the first attempt made, <c>Created</c> false; 409 for a queue of that name made otherwise.
    /// </summary>
    public async Task<(WorkQueue Queue, bool Created)> CreateQueueAsync(string poolName, WorkQueueCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        Require(NameRules.Check(request.Name, "Work queue"), "name");
        CheckLimit(request.ConcurrencyLimit);
        CheckPriority(request.Priority);
        IdempotencyKeys.Check(requestKey);
        var now = timeProvider.GetUtcNow();
        var id = requestKey is null ? Guid.NewGuid() : RequestKeyIds.Of(requestKey);
        var created = await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(poolName);
            // As for a pool: the first attempt's queue by its id, then by name.
            if (requestKey is not null && await WorkPoolStore.GetQueueByIdAsync(scope.Connection, id, scope.Transaction, cancellationToken) is { } earlier)
            {
                return earlier.WorkPoolId == pool.Id && earlier.Name == request.Name
                    ? false
                    : throw RequestKeyIds.UsedElsewhere(requestKey, $"work queue '{earlier.Name}' of pool '{earlier.WorkPoolName}'");
            }

            if (await WorkPoolStore.GetQueueAsync(scope.Connection, pool.Id, request.Name, scope.Transaction, cancellationToken) is { } existing)
            {
                return existing.Id == id ? false : throw new ConflictException($"Work pool '{poolName}' already has a queue named '{request.Name}'.");
            }

            int priority;
            if (request.Priority is { } asked)
            {
                await WorkPoolStore.ShiftPrioritiesAsync(scope, pool.Id, asked, null, cancellationToken);
                priority = asked;
            }
            else
            {
                priority = await WorkPoolStore.FirstFreePriorityAsync(scope, pool.Id, cancellationToken);
            }

            await WorkPoolStore.InsertQueueAsync(scope, new WorkQueueRow
            {
                Id = id,
                WorkPoolId = pool.Id,
                Name = request.Name,
                Description = request.Description,
                Priority = priority,
                ConcurrencyLimit = request.ConcurrencyLimit,
                Paused = request.Paused,
            }, now, cancellationToken);
            return true;
        }, cancellationToken);
        return (await GetQueueAsync(poolName, request.Name, cancellationToken), created);
    }

    public async Task<WorkQueue> GetQueueAsync(string poolName, string queueName, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var row = await database.ReadAsync(async connection =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(connection, poolName, now, cancellationToken: cancellationToken) ?? throw PoolNotFound(poolName);
            return await WorkPoolStore.GetQueueAsync(connection, pool.Id, queueName, cancellationToken: cancellationToken);
        }, cancellationToken);
        return (row ?? throw QueueNotFound(poolName, queueName)).ToContract(now);
    }

    public async Task<IReadOnlyList<WorkQueue>> ListQueuesAsync(string poolName, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return await database.ReadAsync(async connection =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(connection, poolName, now, cancellationToken: cancellationToken) ?? throw PoolNotFound(poolName);
            var rows = await WorkPoolStore.ListQueuesAsync(connection, pool.Id, cancellationToken: cancellationToken);
            return (IReadOnlyList<WorkQueue>)rows.Select(row => row.ToContract(now)).ToList();
        }, cancellationToken);
    }

    public async Task<WorkQueue> UpdateQueueAsync(string poolName, string queueName, WorkQueueUpdate update, CancellationToken cancellationToken)
    {
        CheckPriority(update.Priority);
        await ChangeQueueAsync(poolName, queueName, async (scope, queue) =>
        {
            queue.Description = update.Description ?? queue.Description;
            if (update.Priority is { } priority && priority != queue.Priority)
            {
                await WorkPoolStore.ShiftPrioritiesAsync(scope, queue.WorkPoolId, priority, queue.Id, cancellationToken);
                queue.Priority = priority;
            }
        }, cancellationToken);
        return await GetQueueAsync(poolName, queueName, cancellationToken);
    }

    public async Task<WorkQueue> SetQueuePausedAsync(string poolName, string queueName, bool paused, CancellationToken cancellationToken)
    {
        await ChangeQueueAsync(poolName, queueName, (_, queue) =>
        {
            queue.Paused = paused;
            return Task.CompletedTask;
        }, cancellationToken);
        claimSignal.NotifyAll();
        return await GetQueueAsync(poolName, queueName, cancellationToken);
    }

    public async Task<WorkQueue> SetQueueLimitAsync(string poolName, string queueName, int? limit, CancellationToken cancellationToken)
    {
        CheckLimit(limit);
        await ChangeQueueAsync(poolName, queueName, (_, queue) =>
        {
            queue.ConcurrencyLimit = limit;
            return Task.CompletedTask;
        }, cancellationToken);
        claimSignal.NotifyAll();
        return await GetQueueAsync(poolName, queueName, cancellationToken);
    }

    public async Task DeleteQueueAsync(string poolName, string queueName, CancellationToken cancellationToken)
    {
        if (queueName == DefaultQueueName)
        {
            throw new ConflictException($"The '{DefaultQueueName}' queue of a pool cannot be deleted; delete the pool instead.");
        }

        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(poolName);
            var queue = await WorkPoolStore.GetQueueAsync(scope.Connection, pool.Id, queueName, scope.Transaction, cancellationToken)
                ?? throw QueueNotFound(poolName, queueName);
            var fallback = await WorkPoolStore.GetQueueAsync(scope.Connection, pool.Id, DefaultQueueName, scope.Transaction, cancellationToken)
                ?? throw new InvalidOperationException($"Pool '{poolName}' lost its default queue.");
            await WorkPoolStore.DeleteQueueAsync(scope, queue.Id, fallback.Id, cancellationToken);
            return 0;
        }, cancellationToken);
        claimSignal.NotifyAll();
    }

    public async Task HeartbeatAsync(string poolName, WorkerHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        Require(NameRules.Check(heartbeat.Name, "Worker"), "name");
        if (heartbeat.HeartbeatIntervalSeconds is <= 0)
        {
            throw new ValidationException("heartbeat_interval_seconds", ["must be a positive number of seconds"]);
        }

        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(poolName);
            await WorkPoolStore.UpsertWorkerAsync(scope, pool.Id, heartbeat.Name, heartbeat.Type,
                heartbeat.HeartbeatIntervalSeconds ?? Statuses.DefaultHeartbeatIntervalSeconds, now, cancellationToken);
            return 0;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<Worker>> ListWorkersAsync(string poolName, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return await database.ReadAsync(async connection =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(connection, poolName, now, cancellationToken: cancellationToken) ?? throw PoolNotFound(poolName);
            var rows = await WorkPoolStore.ListWorkersAsync(connection, pool.Id, cancellationToken);
            return (IReadOnlyList<Worker>)rows.Select(row => row.ToContract(now)).ToList();
        }, cancellationToken);
    }

    /// <summary>Every pool's workers (the first <paramref name="limit"/>), most recently heard first, with their runs in flight.</summary>
    public async Task<IReadOnlyList<(Worker Worker, int RunsInFlight)>> ListAllWorkersAsync(int limit, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var rows = await database.ReadAsync(connection => WorkPoolStore.ListAllWorkersAsync(connection, limit, cancellationToken), cancellationToken);
        return rows.Select(row => (row.Worker.ToContract(now), row.RunsInFlight)).ToList();
    }

    public async Task DeleteWorkerAsync(string poolName, string workerName, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(poolName);
            return await WorkPoolStore.DeleteWorkerAsync(scope, pool.Id, workerName, cancellationToken) == 0
                ? throw new NotFoundException($"Work pool '{poolName}' has no worker named '{workerName}'.")
                : 0;
        }, cancellationToken);
    }

    public static JsonObject DefaultTemplate(string type) =>
        WorkPoolTypes.IsKnown(type)
            ? DefaultJobTemplates.For(type)
            : throw new NotFoundException($"Unknown work pool type '{type}'; use one of {string.Join(", ", WorkPoolTypes.All)}.");

    public static NotFoundException PoolNotFound(string name) =>
        new NotFoundException($"Work pool '{name}' does not exist. List pools with `bosun work-pool ls`, or create it with `bosun work-pool create {name} --type TYPE`.");

    private static NotFoundException QueueNotFound(string pool, string queue) =>
        new NotFoundException($"Work pool '{pool}' has no queue named '{queue}'. List its queues with `bosun work-queue ls --pool {pool}`.");

    private async Task ChangePoolAsync(string name, Action<WorkPoolRow> change, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, name, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(name);
            change(pool);
            pool.Updated = StoredValues.Ms(now);
            return await WorkPoolStore.UpdatePoolAsync(scope, pool, cancellationToken);
        }, cancellationToken);
    }

    private async Task ChangeQueueAsync(string poolName, string queueName, Func<WriteScope, WorkQueueRow, Task> change, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) ?? throw PoolNotFound(poolName);
            var queue = await WorkPoolStore.GetQueueAsync(scope.Connection, pool.Id, queueName, scope.Transaction, cancellationToken)
                ?? throw QueueNotFound(poolName, queueName);
            await change(scope, queue);
            return await WorkPoolStore.UpdateQueueAsync(scope, queue, now, cancellationToken);
        }, cancellationToken);
    }

    private static void Require(string? problem, string field)
    {
        if (problem is not null)
        {
            throw new ValidationException(field, [problem]);
        }
    }

    private static void CheckPolicy(IReadOnlyDictionary<string, JobVariableRule> policy, JsonObject template)
    {
        var problems = JobVariablePolicy.Check(policy, SecretMask.VariablesOf(template));
        if (problems.Count > 0)
        {
            throw new ValidationException("job_variable_policy", problems);
        }
    }

    private static void CheckLimit(int? limit)
    {
        if (limit is < 0)
        {
            throw new ValidationException("concurrency_limit", ["must be 0 or more (0 delivers nothing), or null for no limit"]);
        }
    }

    private static void CheckPriority(int? priority)
    {
        if (priority is < 1)
        {
            throw new ValidationException("priority", ["must be 1 or more (1 is served first)"]);
        }
    }
}
