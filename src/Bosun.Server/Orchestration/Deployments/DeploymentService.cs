using System.Data.Common;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Scheduling;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Orchestration.WorkPools;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Deployments;

/// <summary>Flows and deployments: the upsert with its validation, reads and listing.</summary>
internal sealed class DeploymentService(
    BosunDatabase database, SchedulerSignal schedulerSignal, ResultFolder results, ILogger<DeploymentService> logger,
    TimeProvider timeProvider, IOptions<BosunServerOptions> options)
{
    public async Task<(Deployment Deployment, bool Created)> UpsertAsync(DeploymentUpsert request, CancellationToken cancellationToken)
    {
        Require(NameRules.Check(request.FlowName, "Flow"), "flow_name");
        Require(NameRules.Check(request.Name, "Deployment"), "name");
        if (request.ConcurrencyLimit is < 0)
        {
            throw new ValidationException("concurrency_limit", ["must be 0 or more, or null for no limit"]);
        }

        if (request.Retries < 0 || request.RetryDelaySeconds < 0)
        {
            throw new ValidationException("retries", ["retries and retry_delay_seconds must be 0 or more"]);
        }

        if (request.TimeoutSeconds is <= 0)
        {
            throw new ValidationException("timeout_seconds", ["must be more than 0, or null for no timeout"]);
        }

        if (request.StartTimeoutSeconds is <= 0)
        {
            throw new ValidationException("start_timeout_seconds", ["must be more than 0, or null for no start timeout"]);
        }

        if (request.CrashRetries < 0 || request.CrashRetryDelaySeconds < 0)
        {
            throw new ValidationException("crash_retries", ["crash_retries and crash_retry_delay_seconds must be 0 or more"]);
        }

        if (request.WorkPoolName is null && request.WorkQueueName is not null)
        {
            throw new ValidationException("work_queue_name", ["a work queue needs a work_pool_name"]);
        }

        ParameterValidator.ValidateSchema(request.ParameterSchema);
        PullStepValidator.Validate(request.PullSteps, "pull_steps");
        var parameters = request.Parameters ?? [];
        ParameterValidator.Validate(request.ParameterSchema, parameters, enforceRequired: false);

        var now = timeProvider.GetUtcNow();
        // Schedules are checked before anything is written: a bad one refuses the whole upsert.
        var schedules = request.Schedules?.Select((spec, i) => (Spec: spec, Definition: ValidateSchedule(spec, request.ParameterSchema, parameters, $"schedules[{i}]", now))).ToList();
        var (id, created) = await database.WriteAsync(async scope =>
        {
            Guid? poolId = null;
            Guid? queueId = null;
            JsonObject? template = null;
            string? policy = null;
            string? poolType = null;
            if (request.WorkPoolName is { } poolName)
            {
                var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken)
                    ?? throw WorkPoolService.PoolNotFound(poolName);
                var queueName = request.WorkQueueName ?? WorkPoolService.DefaultQueueName;
                var queue = await WorkPoolStore.GetQueueAsync(scope.Connection, pool.Id, queueName, scope.Transaction, cancellationToken)
                    ?? throw new NotFoundException($"Work pool '{poolName}' has no queue named '{queueName}'.");
                template = Object(pool.BaseJobTemplate);
                (poolId, queueId, policy) = (pool.Id, queue.Id, pool.JobVariablePolicy);
                poolType = pool.Type;
            }

            PullStepValidator.RequireProcessPool(request.PullSteps, poolType, "pull_steps");
            var flowId = await DeploymentStore.EnsureFlowAsync(scope, request.FlowName, now, cancellationToken);
            var existing = await DeploymentStore.GetByNameAsync(scope.Connection, request.FlowName, request.Name, scope.Transaction, cancellationToken);
            var jobVariables = SecretMask.Restore(request.JobVariables, ObjectOrNull(existing?.JobVariables), template is null ? null : SecretMask.VariablesOf(template));
            if (template is not null)
            {
                JobTemplateValidator.ValidateJobVariables(template, jobVariables, null, enforceRequired: false, "job_variables");
                PolicyEnforcement.Enforce(policy, template, jobVariables, null, existing?.PolicyExemptions);
            }

            var row = new DeploymentRow
            {
                Id = existing?.Id ?? Guid.NewGuid(),
                FlowId = flowId,
                Name = request.Name,
                Entrypoint = request.Entrypoint,
                Parameters = JsonText(parameters),
                ParameterSchema = request.ParameterSchema?.ToJsonString(),
                WorkPoolId = poolId,
                WorkQueueId = queueId,
                JobVariables = JsonText(jobVariables),
                PolicyExemptions = existing?.PolicyExemptions,
                Tags = Tags(request.Tags),
                Description = request.Description,
                Version = request.Version,
                Paused = request.Paused,
                ConcurrencyLimit = request.ConcurrencyLimit,
                CollisionStrategy = EnumNames.Of(request.CollisionStrategy),
                Retries = request.Retries,
                RetryDelaySeconds = request.RetryDelaySeconds,
                CatchUp = EnumNames.Of(request.CatchUp),
                TimeoutSeconds = request.TimeoutSeconds,
                CrashRetries = request.CrashRetries,
                CrashRetryDelaySeconds = request.CrashRetryDelaySeconds,
                StartTimeoutSeconds = request.StartTimeoutSeconds,
                StartTimeoutAction = request.StartTimeoutAction is { } startTimeoutAction ? EnumNames.Of(startTimeoutAction) : null,
                PullSteps = request.PullSteps is { Count: > 0 } pullSteps ? pullSteps.ToJsonString() : null,
                Created = existing?.Created ?? Ms(now),
                Updated = Ms(now),
            };
            await DeploymentStore.UpsertAsync(scope, row, existing is not null, cancellationToken);
            await DeploymentStore.SetRunPolicyAsync(scope, row, cancellationToken);
            if (existing is not null)
            {
                // A changed deployment gets fresh auto-scheduled runs (docs/behaviour.md §1.2: upsert replaces future scheduled runs).
                await ScheduleStore.DeleteFutureRunsAsync(scope, row.Id, now, cancellationToken: cancellationToken);
            }

            if (schedules is not null)
            {
                await ScheduleStore.DeleteAllOfAsync(scope, row.Id, cancellationToken);
                foreach (var (spec, definition) in schedules)
                {
                    await ScheduleStore.InsertAsync(scope, row.Id, definition, spec, now, cancellationToken);
                }
            }

            return (row.Id, existing is null);
        }, cancellationToken);
        schedulerSignal.Notify();
        return (await GetAsync(id, cancellationToken), created);
    }

    public async Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var row = await DeploymentStore.GetAsync(connection, id, cancellationToken: cancellationToken) ?? throw new NotFoundException($"Deployment {id} does not exist.");
            return (await ContractsAsync(connection, [row], cancellationToken))[0];
        }, cancellationToken);

    public async Task<Deployment> GetByNameAsync(string flowName, string name, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var row = await DeploymentStore.GetByNameAsync(connection, flowName, name, cancellationToken: cancellationToken) ?? throw NotFound(flowName, name);
            return (await ContractsAsync(connection, [row], cancellationToken))[0];
        }, cancellationToken);

    /// <summary>A page of deployments by flow then name: from <paramref name="offset"/>, or after the one a <paramref name="cursor"/> names.</summary>
    public Task<Page<Deployment>> ListAsync(string? flowName, string? workPoolName, int offset, int limit, string? cursor, CancellationToken cancellationToken) =>
        ListAsync(new DeploymentListFilter(flowName, workPoolName), offset, limit, cursor, cancellationToken);

    /// <summary>
    /// A page of the deployments <paramref name="filter"/> selects (matched in SQL, so the total counts every match), by flow
    /// then name: from <paramref name="offset"/>, or after the one a <paramref name="cursor"/> names.
    /// </summary>
    public async Task<Page<Deployment>> ListAsync(DeploymentListFilter filter, int offset, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var after = KeyCursor.Parts(cursor, 2) is { } parts ? (parts[0], parts[1]) : ((string, string)?)null;
        return await database.ReadAsync(async connection =>
        {
            var rows = await DeploymentStore.ListAsync(connection, filter, after, offset, limit + 1, now, cancellationToken);
            var total = await DeploymentStore.CountAsync(connection, filter, now, cancellationToken);
            var (page, next) = KeyCursor.Cut(rows, limit, row => [row.FlowName, row.Name]);
            return new Page<Deployment>(await ContractsAsync(connection, page, cancellationToken), total, offset, limit) { NextCursor = next };
        }, cancellationToken);
    }

    /// <summary>
    /// Deployments as every answer but a claim shows them: with their schedules, and with the job variables their pool's
    /// template marks secret masked (the worker gets the values through its claim only).
    /// </summary>
    private async Task<IReadOnlyList<Deployment>> ContractsAsync(DbConnection connection, IReadOnlyList<DeploymentRow> rows, CancellationToken cancellationToken)
    {
        var deployments = await DeploymentStore.ToContractsAsync(connection, rows, timeProvider.GetUtcNow(), cancellationToken: cancellationToken);
        var templates = await WorkPoolStore.GetBaseJobTemplatesAsync(connection, rows.Select(row => row.WorkPoolId).OfType<Guid>().ToList(), cancellationToken: cancellationToken);
        return deployments.Zip(rows, (deployment, row) => row.WorkPoolId is { } poolId && templates.TryGetValue(poolId, out var template)
            ? deployment with
            {
                JobVariables = SecretMask.Apply(deployment.JobVariables, SecretMask.VariablesOf(Object(template))),
                PolicyExemptions = deployment.PolicyExemptions is { } approved ? SecretMask.Apply(approved, SecretMask.VariablesOf(Object(template))) : null,
            }
            : deployment).ToList();
    }

    /// <summary>A page of flows by name: from <paramref name="offset"/>, or after the flow a <paramref name="cursor"/> names.</summary>
    public async Task<Page<Flow>> ListFlowsAsync(int offset, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var after = KeyCursor.Parts(cursor, 1)?[0];
        return await database.ReadAsync(async connection =>
        {
            var rows = await DeploymentStore.ListFlowsAsync(connection, after, offset, limit + 1, cancellationToken);
            var total = await DeploymentStore.CountFlowsAsync(connection, cancellationToken);
            var (page, next) = KeyCursor.Cut(rows, limit, row => [row.Name]);
            return new Page<Flow>(page.Select(row => new Flow(row.Id, row.Name, Time(row.Created))).ToList(), total, offset, limit) { NextCursor = next };
        }, cancellationToken);
    }

    public async Task<Deployment> SetPausedAsync(Guid id, bool paused, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var changed = await database.WriteAsync(async scope =>
        {
            var count = await DeploymentStore.SetPausedAsync(scope, id, paused, now, cancellationToken);
            if (count > 0 && paused)
            {
                // Nothing is scheduled for a paused deployment: its future auto-scheduled runs go.
                await ScheduleStore.DeleteFutureRunsAsync(scope, id, now, cancellationToken: cancellationToken);
            }

            return count;
        }, cancellationToken);
        schedulerSignal.Notify();
        return changed == 0 ? throw new NotFoundException($"Deployment {id} does not exist.") : await GetAsync(id, cancellationToken);
    }

    /// <summary>
    /// Changes the fields <paramref name="update"/> gives (docs/behaviour.md §1.2), each checked as the upsert checks it,
    /// nothing saved when one is refused; the deployment's future auto-scheduled runs are made again with the new values.
    /// </summary>
    public async Task<Deployment> UpdateAsync(Guid id, DeploymentUpdate update, CancellationToken cancellationToken)
    {
        var clear = update.Clear ?? [];
        if (clear.FirstOrDefault(field => !DeploymentUpdate.ClearableFields.Contains(field)) is { } unknown)
        {
            throw new ValidationException("clear", [$"'{unknown}' cannot be cleared; clear any of {string.Join(", ", DeploymentUpdate.ClearableFields)}"]);
        }

        var given = new Dictionary<string, bool>
        {
            ["work_queue_name"] = update.WorkQueueName is not null, ["parameters"] = update.Parameters is not null, ["job_variables"] = update.JobVariables is not null,
            ["tags"] = update.Tags is not null, ["description"] = update.Description is not null, ["version"] = update.Version is not null,
            ["concurrency_limit"] = update.ConcurrencyLimit is not null, ["collision_strategy"] = update.CollisionStrategy is not null,
            ["catch_up"] = update.CatchUp is not null, ["paused"] = update.Paused is not null, ["retries"] = update.Retries is not null,
            ["retry_delay_seconds"] = update.RetryDelaySeconds is not null,
            ["entrypoint"] = update.Entrypoint is not null, ["pull_steps"] = update.PullSteps is not null,
            ["timeout_seconds"] = update.TimeoutSeconds is not null, ["crash_retries"] = update.CrashRetries is not null,
            ["crash_retry_delay_seconds"] = update.CrashRetryDelaySeconds is not null,
            ["start_timeout_seconds"] = update.StartTimeoutSeconds is not null, ["start_timeout_action"] = update.StartTimeoutAction is not null,
        };
        if (clear.FirstOrDefault(field => given[field]) is { } both)
        {
            throw new ValidationException(both, [$"is both set and cleared; do one or the other"]);
        }

        if (clear.Count == 0 && !given.Values.Any(set => set))
        {
            throw new ValidationException("deployment", [$"nothing to change: give at least one of {string.Join(", ", given.Keys)}, or clear"]);
        }

        if (update.ConcurrencyLimit is < 0)
        {
            throw new ValidationException("concurrency_limit", ["must be 0 or more; clear it for no limit"]);
        }

        if (update.Retries is < 0)
        {
            throw new ValidationException("retries", ["must be 0 or more"]);
        }

        if (update.RetryDelaySeconds is < 0)
        {
            throw new ValidationException("retry_delay_seconds", ["must be 0 or more"]);
        }

        if (update.TimeoutSeconds is <= 0)
        {
            throw new ValidationException("timeout_seconds", ["must be 1 or more; clear it for no timeout"]);
        }

        if (update.StartTimeoutSeconds is <= 0)
        {
            throw new ValidationException("start_timeout_seconds", ["must be 1 or more; clear it for no start timeout"]);
        }

        if (update.CrashRetries is < 0 || update.CrashRetryDelaySeconds is < 0)
        {
            throw new ValidationException(update.CrashRetries is < 0 ? "crash_retries" : "crash_retry_delay_seconds", ["must be 0 or more"]);
        }

        PullStepValidator.Validate(update.PullSteps, "pull_steps");

        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            await DeploymentStore.LockAsync(scope, id, cancellationToken);
            var row = await DeploymentStore.GetAsync(scope.Connection, id, scope.Transaction, cancellationToken) ?? throw new NotFoundException($"Deployment {id} does not exist.");
            var pool = row.WorkPoolName is { } poolName ? await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) : null;
            if (pool is null && (update.WorkQueueName is not null || update.JobVariables is not null))
            {
                throw new ValidationException(update.WorkQueueName is not null ? "work_queue_name" : "job_variables",
                    [$"deployment '{row.FlowName}/{row.Name}' is served, not on a work pool: it has no work queue or job variables"]);
            }

            if (update.WorkQueueName is { } queueName)
            {
                row.WorkQueueId = (await WorkPoolStore.GetQueueAsync(scope.Connection, pool!.Id, queueName, scope.Transaction, cancellationToken)
                    ?? throw new NotFoundException($"Work pool '{pool.Name}' has no queue named '{queueName}'; create it with `bosun work-queue create {queueName} --pool {pool.Name}`.")).Id;
            }

            var schema = ObjectOrNull(row.ParameterSchema);
            if (update.Parameters is not null || clear.Contains("parameters"))
            {
                var parameters = update.Parameters ?? [];
                ParameterValidator.Validate(schema, parameters, enforceRequired: false);
                foreach (var (schedule, i) in (await ScheduleStore.ListForAsync(scope.Connection, [id], scope.Transaction, cancellationToken))[id].Select((schedule, i) => (schedule, i)))
                {
                    ValidateScheduleParameters(schema, parameters, schedule.Parameters, $"schedules[{i}].parameters");
                }

                row.Parameters = JsonText(parameters);
            }

            if (update.JobVariables is not null || clear.Contains("job_variables"))
            {
                var template = Object(pool!.BaseJobTemplate);
                var jobVariables = SecretMask.Restore(update.JobVariables ?? [], Object(row.JobVariables), SecretMask.VariablesOf(template));
                JobTemplateValidator.ValidateJobVariables(template, jobVariables, null, enforceRequired: false, "job_variables");
                PolicyEnforcement.Enforce(pool.JobVariablePolicy, template, jobVariables, null, row.PolicyExemptions);
                row.JobVariables = JsonText(jobVariables);
            }

            row.Tags = update.Tags is not null || clear.Contains("tags") ? Tags(update.Tags ?? []) : row.Tags;
            row.Description = clear.Contains("description") ? null : update.Description is { } description ? NullIfEmpty(description) : row.Description;
            row.Version = clear.Contains("version") ? null : update.Version is { } version ? NullIfEmpty(version) : row.Version;
            row.ConcurrencyLimit = clear.Contains("concurrency_limit") ? null : update.ConcurrencyLimit ?? row.ConcurrencyLimit;
            row.CollisionStrategy = update.CollisionStrategy is { } strategy ? EnumNames.Of(strategy) : row.CollisionStrategy;
            row.CatchUp = update.CatchUp is { } catchUp ? EnumNames.Of(catchUp) : row.CatchUp;
            row.Paused = update.Paused ?? row.Paused;
            row.Retries = update.Retries ?? row.Retries;
            row.RetryDelaySeconds = update.RetryDelaySeconds ?? row.RetryDelaySeconds;
            row.Entrypoint = update.Entrypoint is { } entrypoint ? NullIfEmpty(entrypoint) : row.Entrypoint;
            if (update.PullSteps is not null || clear.Contains("pull_steps"))
            {
                PullStepValidator.RequireProcessPool(update.PullSteps, pool?.Type, "pull_steps");
                row.PullSteps = update.PullSteps is { Count: > 0 } pullSteps ? pullSteps.ToJsonString() : null;
            }

            row.TimeoutSeconds = clear.Contains("timeout_seconds") ? null : update.TimeoutSeconds ?? row.TimeoutSeconds;
            row.CrashRetries = update.CrashRetries ?? row.CrashRetries;
            row.CrashRetryDelaySeconds = update.CrashRetryDelaySeconds ?? row.CrashRetryDelaySeconds;
            row.StartTimeoutSeconds = clear.Contains("start_timeout_seconds") ? null : update.StartTimeoutSeconds ?? row.StartTimeoutSeconds;
            row.StartTimeoutAction = update.StartTimeoutAction is { } startTimeoutAction ? EnumNames.Of(startTimeoutAction) : row.StartTimeoutAction;
            row.Updated = Ms(now);
            await DeploymentStore.UpsertAsync(scope, row, exists: true, cancellationToken);
            await DeploymentStore.SetRunPolicyAsync(scope, row, cancellationToken);
            // Runs made ahead carry the old queue, parameters and tags: they are made again (none while paused).
            await ScheduleStore.DeleteFutureRunsAsync(scope, id, now, cancellationToken: cancellationToken);
            return 0;
        }, cancellationToken);
        schedulerSignal.Notify();
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>
    /// An admin's override of the pool's job-variable policy for this deployment: <paramref name="update"/>'s job variables
    /// are set on it and approved (a locked one is locked to its approved value, a constrained one passes while it keeps
    /// it; a later change is checked against the policy again). An empty object removes the override.
    /// </summary>
    public async Task<Deployment> SetPolicyExemptionsAsync(Guid id, PolicyExemptionUpdate update, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            await DeploymentStore.LockAsync(scope, id, cancellationToken);
            var row = await DeploymentStore.GetAsync(scope.Connection, id, scope.Transaction, cancellationToken) ?? throw new NotFoundException($"Deployment {id} does not exist.");
            var pool = row.WorkPoolName is { } poolName ? await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, scope.Transaction, cancellationToken) : null;
            if (pool is null)
            {
                throw new ValidationException("job_variables", [$"deployment '{row.FlowName}/{row.Name}' is served, not on a work pool: no policy applies to it"]);
            }

            var template = Object(pool.BaseJobTemplate);
            var declared = SecretMask.VariablesOf(template)?["properties"] as JsonObject;
            var unknown = update.JobVariables.Select(pair => pair.Key).Where(name => declared?.ContainsKey(name) != true).ToList();
            if (unknown.Count > 0)
            {
                throw new ValidationException("job_variables", [$"{string.Join(", ", unknown)}: not a variable of pool '{pool.Name}''s base job template"]);
            }

            var jobVariables = Object(row.JobVariables);
            foreach (var (name, value) in update.JobVariables)
            {
                jobVariables[name] = value?.DeepClone();
            }

            JobTemplateValidator.ValidateJobVariables(template, jobVariables, null, enforceRequired: false, "job_variables");
            row.JobVariables = JsonText(jobVariables);
            row.PolicyExemptions = update.JobVariables.Count > 0 ? JsonText(update.JobVariables) : null;
            row.Updated = Ms(now);
            await DeploymentStore.UpsertAsync(scope, row, exists: true, cancellationToken);
            return 0;
        }, cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    private static string? NullIfEmpty(string text) => string.IsNullOrWhiteSpace(text) ? null : text;

    /// <summary>
    /// Adds a schedule to a deployment. Sent again with the same <paramref name="requestKey"/> (a lost answer), it answers
    /// the schedule the first attempt added, <c>Created</c> false, rather than adding a second one that would fire too.
    /// </summary>
    public async Task<(DeploymentSchedule Schedule, bool Created)> AddScheduleAsync(Guid deploymentId, ScheduleSpec spec, string? requestKey, CancellationToken cancellationToken)
    {
        IdempotencyKeys.Check(requestKey);
        var now = timeProvider.GetUtcNow();
        var (scheduleId, created) = await database.WriteAsync(async scope =>
        {
            await DeploymentStore.LockAsync(scope, deploymentId, cancellationToken);
            var deployment = await DeploymentStore.GetAsync(scope.Connection, deploymentId, scope.Transaction, cancellationToken)
                ?? throw new NotFoundException($"Deployment {deploymentId} does not exist.");
            var definition = ValidateSchedule(spec, ObjectOrNull(deployment.ParameterSchema), Object(deployment.Parameters), "schedule", now);
            if (requestKey is not null)
            {
                definition = definition with { Id = RequestKeyIds.Of(requestKey) };
                if (await ScheduleStore.GetByIdAsync(scope.Connection, definition.Id, scope.Transaction, cancellationToken) is { } earlier)
                {
                    return earlier.DeploymentId == deploymentId
                        ? (earlier.Id, false)
                        : throw RequestKeyIds.UsedElsewhere(requestKey, $"schedule {earlier.Id} of deployment {earlier.DeploymentId}");
                }
            }

            await ScheduleStore.InsertAsync(scope, deploymentId, definition, spec, now, cancellationToken);
            return (definition.Id, true);
        }, cancellationToken);
        if (created)
        {
            schedulerSignal.Notify();
        }

        return ((await ListSchedulesAsync(deploymentId, cancellationToken)).Single(s => s.Id == scheduleId), created);
    }

    public async Task<IReadOnlyList<DeploymentSchedule>> ListSchedulesAsync(Guid deploymentId, CancellationToken cancellationToken) =>
        (await GetAsync(deploymentId, cancellationToken)).Schedules;

    public async Task<DeploymentSchedule> SetScheduleActiveAsync(Guid deploymentId, Guid scheduleId, bool active, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            await DeploymentStore.LockAsync(scope, deploymentId, cancellationToken);
            _ = await ScheduleStore.GetAsync(scope.Connection, deploymentId, scheduleId, scope.Transaction, cancellationToken) ?? throw ScheduleNotFound(deploymentId, scheduleId);
            await ScheduleStore.SetActiveAsync(scope, scheduleId, active, now, cancellationToken);
            if (!active)
            {
                await ScheduleStore.DeleteFutureRunsAsync(scope, deploymentId, now, scheduleId, cancellationToken: cancellationToken);
            }

            return 0;
        }, cancellationToken);
        schedulerSignal.Notify();
        return (await ListSchedulesAsync(deploymentId, cancellationToken)).Single(s => s.Id == scheduleId);
    }

    public async Task DeleteScheduleAsync(Guid deploymentId, Guid scheduleId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await database.WriteAsync(async scope =>
        {
            await DeploymentStore.LockAsync(scope, deploymentId, cancellationToken);
            _ = await ScheduleStore.GetAsync(scope.Connection, deploymentId, scheduleId, scope.Transaction, cancellationToken) ?? throw ScheduleNotFound(deploymentId, scheduleId);
            await ScheduleStore.DeleteFutureRunsAsync(scope, deploymentId, now, scheduleId, cancellationToken: cancellationToken);
            return await ScheduleStore.DeleteAsync(scope, scheduleId, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>The next runs the deployment's active schedules will create, each marked when it falls across a DST change.</summary>
    public async Task<IReadOnlyList<UpcomingRun>> UpcomingAsync(Guid deploymentId, int count, CancellationToken cancellationToken)
    {
        if (count is < 1 or > 500)
        {
            throw new ValidationException("count", ["must be between 1 and 500"]);
        }

        var now = timeProvider.GetUtcNow();
        var rows = await database.ReadAsync(async connection =>
        {
            _ = await DeploymentStore.GetAsync(connection, deploymentId, cancellationToken: cancellationToken) ?? throw new NotFoundException($"Deployment {deploymentId} does not exist.");
            return await ScheduleStore.ActiveOfAsync(connection, deploymentId, cancellationToken);
        }, cancellationToken);
        return rows.SelectMany(schedule => Upcoming(schedule.Definition, schedule.Id, now, count)).OrderBy(u => u.ScheduledTime).Take(count).ToList();
    }

    /// <summary>
    /// The next <paramref name="count"/> times a schedule of <paramref name="spec"/> would fire on the deployment, as
    /// <see cref="UpcomingAsync"/> lists them (DST changes marked), checked as <see cref="AddScheduleAsync"/> checks it
    /// (422 naming the field) but not saved: the web UI's live preview while a schedule is typed.
    /// </summary>
    public async Task<IReadOnlyList<UpcomingRun>> PreviewScheduleAsync(Guid deploymentId, ScheduleSpec spec, int count, CancellationToken cancellationToken)
    {
        if (count is < 1 or > 500)
        {
            throw new ValidationException("count", ["must be between 1 and 500"]);
        }

        var now = timeProvider.GetUtcNow();
        var deployment = await database.ReadAsync(connection => DeploymentStore.GetAsync(connection, deploymentId, cancellationToken: cancellationToken), cancellationToken)
            ?? throw new NotFoundException($"Deployment {deploymentId} does not exist.");
        var upcoming = PreviewSchedule(spec, count, "schedule", now);
        ValidateScheduleParameters(ObjectOrNull(deployment.ParameterSchema), Object(deployment.Parameters), spec.Parameters, "schedule.parameters");
        return upcoming;
    }

    /// <summary>
    /// The next times (1 to 100, default 5) a schedule would fire, of no deployment (POST /api/schedules/preview, `bosun
    /// deployment schedule preview`): checked as a deployment's schedule is (422 naming the field), DST changes marked,
    /// the schedule id the nil UUID. The web UI's live preview goes through the same <see cref="PreviewSchedule(ScheduleSpec, int, string, DateTimeOffset)"/>.
    /// </summary>
    public IReadOnlyList<UpcomingRun> PreviewSchedule(SchedulePreviewRequest request)
    {
        var count = request.Count ?? 5;
        if (count is < 1 or > 100)
        {
            throw new ValidationException("count", [$"must be between 1 and 100 (got {count})"]);
        }

        var spec = new ScheduleSpec(request.Cron, request.IntervalSeconds, request.Anchor, request.RRule, request.Timezone);
        // Named as a deployment's schedule names them (schedule.cron, schedule.timezone...): the same input is refused
        // with the same field names by this preview, the web UI's preview of a deployment's schedule and `schedule add`.
        return PreviewSchedule(spec, count, "schedule", timeProvider.GetUtcNow());
    }

    private List<UpcomingRun> PreviewSchedule(ScheduleSpec spec, int count, string field, DateTimeOffset now) =>
        Upcoming(ScheduleCalculator.Validate(spec, Guid.Empty, now, field, options.Value.MinScheduleInterval), Guid.Empty, now, count);

    /// <summary>A schedule's next <paramref name="count"/> times after <paramref name="now"/>, each marked when the zone's offset changed since the one before.</summary>
    private static List<UpcomingRun> Upcoming(ScheduleDefinition definition, Guid scheduleId, DateTimeOffset now, int count)
    {
        var upcoming = new List<UpcomingRun>();
        var zone = definition.Zone;
        TimeSpan? previousOffset = zone.GetUtcOffset(now);
        foreach (var time in ScheduleCalculator.Occurrences(definition, now).Take(count))
        {
            var offset = zone.GetUtcOffset(time);
            var local = TimeZoneInfo.ConvertTime(time, zone);
            upcoming.Add(new UpcomingRun(time, local.ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture),
                scheduleId, definition.Timezone, previousOffset is { } previous && previous != offset));
            previousOffset = offset;
        }

        return upcoming;
    }

    private ScheduleDefinition ValidateSchedule(ScheduleSpec spec, JsonObject? parameterSchema, JsonObject deploymentParameters, string field, DateTimeOffset now)
    {
        var definition = ScheduleCalculator.Validate(spec, Guid.NewGuid(), now, field, options.Value.MinScheduleInterval);
        ValidateScheduleParameters(parameterSchema, deploymentParameters, spec.Parameters, $"{field}.parameters");
        return definition;
    }

    /// <summary>A schedule's parameters over the deployment's defaults must fit the parameter schema.</summary>
    private static void ValidateScheduleParameters(JsonObject? parameterSchema, JsonObject deploymentParameters, JsonObject? scheduleParameters, string field)
    {
        if (scheduleParameters is not { Count: > 0 })
        {
            return;
        }

        var merged = (JsonObject)deploymentParameters.DeepClone();
        foreach (var (key, value) in scheduleParameters)
        {
            merged[key] = value?.DeepClone();
        }

        try
        {
            ParameterValidator.Validate(parameterSchema, merged, enforceRequired: false);
        }
        catch (ValidationException ex)
        {
            throw new ValidationException(field, [ex.Message]);
        }
    }

    private static NotFoundException ScheduleNotFound(Guid deploymentId, Guid scheduleId) =>
        new NotFoundException($"Deployment {deploymentId} has no schedule {scheduleId}.");

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        // Its SCHEDULED runs go with it (a run resumed from a suspension, or awaiting a retry, may have task results by then).
        var (deleted, files) = await database.WriteAsync(async scope =>
        {
            var files = await FlowRunStore.ResultFilesAsync(scope, $"deployment_id = @id AND state_type = {StateSql.Scheduled}", new { id }, cancellationToken);
            return (await DeploymentStore.DeleteAsync(scope, id, cancellationToken), files);
        }, cancellationToken);
        if (deleted == 0)
        {
            throw new NotFoundException($"Deployment {id} does not exist.");
        }

        results.DeleteFilesOfDeletedRuns(files, logger);
    }

    /// <summary>
    /// Renders the job a run of the deployment would get (docs/behaviour.md §5.2, Bosun: preview-job), with secrets masked and the
    /// worker-environment placeholders left visible, since the worker's environment is not known here.
    /// </summary>
    public async Task<JobPreview> PreviewJobAsync(Guid id, JobPreviewRequest request, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var (deployment, pool) = await database.ReadAsync(async connection =>
        {
            var row = await DeploymentStore.GetAsync(connection, id, cancellationToken: cancellationToken) ?? throw new NotFoundException($"Deployment {id} does not exist.");
            if (row.WorkPoolName is not { } poolName)
            {
                throw new ValidationException("deployment", [$"deployment '{row.FlowName}/{row.Name}' is served, not on a work pool: it has no job to preview"]);
            }

            var poolRow = await WorkPoolStore.GetPoolAsync(connection, poolName, now, cancellationToken: cancellationToken) ?? throw WorkPoolService.PoolNotFound(poolName);
            return (row, poolRow);
        }, cancellationToken);

        return WorkPoolService.PreviewJob(pool, Object(deployment.JobVariables), request.JobVariables, ObjectOrNull(deployment.PolicyExemptions));
    }

    public static NotFoundException NotFound(string flowName, string name) =>
        new NotFoundException($"Deployment '{flowName}/{name}' does not exist. List deployments with `bosun deployment ls`.");

    private static void Require(string? problem, string field)
    {
        if (problem is not null)
        {
            throw new ValidationException(field, [problem]);
        }
    }
}
