using Bosun.Contracts;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Templates;
using Bosun.Server.Api.WorkPools;
using Bosun.Server.Storage;
using Bosun.Server.Validation;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Api.Deployments;

/// <summary>Flows and deployments: the upsert with its validation, reads and listing.</summary>
internal sealed class DeploymentService(BosunDatabase database, TimeProvider timeProvider)
{
    public async Task<(Deployment Deployment, bool Created)> UpsertAsync(DeploymentUpsert request, CancellationToken cancellationToken)
    {
        Require(NameRules.Check(request.FlowName, "Flow"), "flow_name");
        Require(NameRules.Check(request.Name, "Deployment"), "name");
        if (request.ConcurrencyLimit is < 0)
        {
            throw ApiProblemException.Invalid("concurrency_limit", ["must be 0 or more, or null for no limit"]);
        }

        if (request.Retries < 0 || request.RetryDelaySeconds < 0)
        {
            throw ApiProblemException.Invalid("retries", ["retries and retry_delay_seconds must be 0 or more"]);
        }

        if (request.WorkPoolName is null && request.WorkQueueName is not null)
        {
            throw ApiProblemException.Invalid("work_queue_name", ["a work queue needs a work_pool_name"]);
        }

        ParameterValidator.ValidateSchema(request.ParameterSchema);
        var parameters = request.Parameters ?? [];
        ParameterValidator.Validate(request.ParameterSchema, parameters, enforceRequired: false);

        var now = timeProvider.GetUtcNow();
        var (id, created) = await database.WriteAsync(async scope =>
        {
            Guid? poolId = null;
            Guid? queueId = null;
            if (request.WorkPoolName is { } poolName)
            {
                var pool = await WorkPoolStore.GetPoolAsync(scope.Connection, poolName, now, cancellationToken, scope.Transaction)
                    ?? throw WorkPoolService.PoolNotFound(poolName);
                var queueName = request.WorkQueueName ?? WorkPoolService.DefaultQueueName;
                var queue = await WorkPoolStore.GetQueueAsync(scope.Connection, pool.Id, queueName, cancellationToken, scope.Transaction)
                    ?? throw ApiProblemException.NotFound($"Work pool '{poolName}' has no queue named '{queueName}'.");
                JobTemplateValidator.ValidateJobVariables(Object(pool.BaseJobTemplate), request.JobVariables, null, enforceRequired: false, "job_variables");
                (poolId, queueId) = (pool.Id, queue.Id);
            }

            var flowId = await DeploymentStore.EnsureFlowAsync(scope, request.FlowName, now, cancellationToken);
            var existing = await DeploymentStore.GetByNameAsync(scope.Connection, request.FlowName, request.Name, cancellationToken, scope.Transaction);
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
                JobVariables = JsonText(request.JobVariables),
                Tags = Tags(request.Tags),
                Description = request.Description,
                Version = request.Version,
                Paused = request.Paused,
                ConcurrencyLimit = request.ConcurrencyLimit,
                CollisionStrategy = request.CollisionStrategy == CollisionStrategy.CancelNew ? "CANCEL_NEW" : "ENQUEUE",
                Retries = request.Retries,
                RetryDelaySeconds = request.RetryDelaySeconds,
                Created = existing?.Created ?? Ms(now),
                Updated = Ms(now),
            };
            await DeploymentStore.UpsertAsync(scope, row, existing is not null, cancellationToken);
            return (row.Id, existing is null);
        }, cancellationToken);
        return (await GetAsync(id, cancellationToken), created);
    }

    public async Task<Deployment> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var row = await database.ReadAsync(connection => DeploymentStore.GetAsync(connection, id, cancellationToken), cancellationToken);
        return (row ?? throw ApiProblemException.NotFound($"Deployment {id} does not exist.")).ToContract(now);
    }

    public async Task<Deployment> GetByNameAsync(string flowName, string name, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var row = await database.ReadAsync(connection => DeploymentStore.GetByNameAsync(connection, flowName, name, cancellationToken), cancellationToken);
        return (row ?? throw NotFound(flowName, name)).ToContract(now);
    }

    public async Task<Page<Deployment>> ListAsync(string? flowName, string? workPoolName, int offset, int limit, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return await database.ReadAsync(async connection =>
        {
            var rows = await DeploymentStore.ListAsync(connection, flowName, workPoolName, offset, limit, cancellationToken);
            var total = await DeploymentStore.CountAsync(connection, flowName, workPoolName, cancellationToken);
            return new Page<Deployment>(rows.Select(row => row.ToContract(now)).ToList(), total, offset, limit);
        }, cancellationToken);
    }

    public async Task<Page<Flow>> ListFlowsAsync(int offset, int limit, CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var rows = await DeploymentStore.ListFlowsAsync(connection, offset, limit, cancellationToken);
            var total = await DeploymentStore.CountFlowsAsync(connection, cancellationToken);
            return new Page<Flow>(rows.Select(row => new Flow(row.Id, row.Name, Time(row.Created))).ToList(), total, offset, limit);
        }, cancellationToken);

    public async Task<Deployment> SetPausedAsync(Guid id, bool paused, CancellationToken cancellationToken)
    {
        var changed = await database.WriteAsync(scope => DeploymentStore.SetPausedAsync(scope, id, paused, timeProvider.GetUtcNow(), cancellationToken), cancellationToken);
        return changed == 0 ? throw ApiProblemException.NotFound($"Deployment {id} does not exist.") : await GetAsync(id, cancellationToken);
    }

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var deleted = await database.WriteAsync(scope => DeploymentStore.DeleteAsync(scope, id, cancellationToken), cancellationToken);
        if (deleted == 0)
        {
            throw ApiProblemException.NotFound($"Deployment {id} does not exist.");
        }
    }

    /// <summary>
    /// Renders the job a run of the deployment would get (spec §5, Bosun: preview-job), with secrets masked and the
    /// worker-environment placeholders left visible, since the worker's environment is not known here.
    /// </summary>
    public async Task<JobPreview> PreviewJobAsync(Guid id, JobPreviewRequest request, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var (deployment, pool) = await database.ReadAsync(async connection =>
        {
            var row = await DeploymentStore.GetAsync(connection, id, cancellationToken) ?? throw ApiProblemException.NotFound($"Deployment {id} does not exist.");
            if (row.WorkPoolName is not { } poolName)
            {
                throw ApiProblemException.Invalid("deployment", [$"deployment '{row.FlowName}/{row.Name}' is served, not on a work pool: it has no job to preview"]);
            }

            var poolRow = await WorkPoolStore.GetPoolAsync(connection, poolName, now, cancellationToken) ?? throw WorkPoolService.PoolNotFound(poolName);
            return (row, poolRow);
        }, cancellationToken);

        var template = Object(pool.BaseJobTemplate);
        var variablesSchema = template["variables"] as JsonObject;
        JobTemplateValidator.ValidateJobVariables(template, Object(deployment.JobVariables), request.JobVariables, enforceRequired: false, "job_variables");
        var values = SecretMask.Apply(JobTemplateRenderer.MergeVariables(variablesSchema, Object(deployment.JobVariables), request.JobVariables), variablesSchema);
        var configuration = JobTemplateRenderer.Render(template, values, name => $"{{{{ ${name} }}}}");
        return new JobPreview(pool.Name, pool.Type, values, configuration);
    }

    public static ApiProblemException NotFound(string flowName, string name) =>
        ApiProblemException.NotFound($"Deployment '{flowName}/{name}' does not exist. List deployments with `bosun deployment ls`.");

    private static void Require(string? problem, string field)
    {
        if (problem is not null)
        {
            throw ApiProblemException.Invalid(field, [problem]);
        }
    }
}
