using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;

namespace Bosun.Sdk;

/// <summary>
/// Which settings of a stored deployment an upsert would change, by their API names: deploying what is already there
/// writes nothing (its schedules and their runs stay), and a change is reported by name.
/// </summary>
internal static class DeploymentChanges
{
    /// <summary>The queue a deployment without one goes to (the server's default queue of every pool).</summary>
    private const string DefaultQueue = "default";

    public static IReadOnlyList<string> Between(Deployment existing, DeploymentUpsert request)
    {
        var changed = new List<string>();
        void Check(string field, bool same)
        {
            if (!same)
            {
                changed.Add(field);
            }
        }

        Check("entrypoint", existing.Entrypoint == request.Entrypoint);
        Check("parameters", JsonNode.DeepEquals(existing.Parameters, request.Parameters ?? []));
        Check("parameter_schema", JsonNode.DeepEquals(existing.ParameterSchema, request.ParameterSchema));
        Check("work_pool_name", existing.WorkPoolName == request.WorkPoolName);
        Check("work_queue_name", existing.WorkQueueName == (request.WorkQueueName ?? DefaultQueue));
        Check("job_variables", JsonNode.DeepEquals(existing.JobVariables, request.JobVariables ?? []));
        Check("tags", existing.Tags.SequenceEqual(request.Tags ?? []));
        Check("description", existing.Description == request.Description);
        Check("version", existing.Version == request.Version);
        Check("paused", existing.Paused == request.Paused);
        Check("concurrency_limit", existing.ConcurrencyLimit == request.ConcurrencyLimit);
        Check("collision_strategy", existing.CollisionStrategy == request.CollisionStrategy);
        Check("retries", existing.Retries == request.Retries && existing.RetryDelaySeconds == request.RetryDelaySeconds);
        Check("catch_up", existing.CatchUp == request.CatchUp);
        Check("timeout_seconds", existing.TimeoutSeconds == request.TimeoutSeconds);
        Check("crash_retries", existing.CrashRetries == request.CrashRetries && existing.CrashRetryDelaySeconds == request.CrashRetryDelaySeconds);
        Check("pull_steps", JsonNode.DeepEquals(existing.PullSteps is { Count: > 0 } ? existing.PullSteps : null, request.PullSteps is { Count: > 0 } ? request.PullSteps : null));
        if (request.Schedules is { } schedules)
        {
            Check("schedules", existing.Schedules.Count == schedules.Count && existing.Schedules.Zip(schedules).All(pair => Same(pair.First, pair.Second)));
        }

        return changed;
    }

    private static bool Same(DeploymentSchedule stored, ScheduleSpec spec) =>
        stored.Cron == spec.Cron
        && stored.IntervalSeconds == spec.IntervalSeconds
        && stored.RRule == spec.RRule
        && stored.Timezone == (spec.Timezone?.Trim() ?? "UTC")
        && stored.Active == spec.Active
        && (spec.Anchor is null || stored.Anchor == spec.Anchor)
        && JsonNode.DeepEquals(stored.Parameters, spec.Parameters ?? []);
}
