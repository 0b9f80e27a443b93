using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.WorkPools;

namespace Bosun.Sdk;

public sealed partial class FlowDefinition
{
    /// <summary>
    /// Registers (creates or updates) a deployment of this flow on a work pool, so that the pool's workers run it.
    /// With an <see cref="DeployOptions.Image"/>, builds it from the project first, pushes it when
    /// <see cref="DeployOptions.Push"/> is true, and records it as the <c>image</c> job variable. A deployment that
    /// already has every setting given is left as it is; otherwise the output names the settings that changed.
    /// </summary>
    /// <param name="name">The deployment's name; it is addressed as <c>flow/name</c>.</param>
    /// <param name="workPool">The work pool whose workers run it; it must exist.</param>
    /// <param name="options">Image, job variables, parameters, queue, schedules and the deployment's other settings.</param>
    /// <param name="cancellationToken">Cancels the deploy.</param>
    public async Task<Deployment> DeployAsync(string name, string workPool, DeployOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DeployOptions();
        var output = options.Output ?? Console.Out;
        using var ownClient = options.Client is null ? new BosunClient(BosunClientOptions.FromEnvironment()) : null;
        var api = options.Client ?? ownClient!;
        WorkPool pool;
        try
        {
            pool = await api.GetWorkPoolAsync(workPool, cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new DeploymentException(
                $"Work pool '{workPool}' does not exist. Create it first: bosun work-pool create {workPool} --type docker (or process, kubernetes).", ex);
        }

        var variables = options.JobVariables is null ? new JsonObject() : (JsonObject)options.JobVariables.DeepClone();
        var command = options.Command;
        if (options.Image is { } image)
        {
            if (pool.BaseJobTemplate["variables"]?["properties"]?["image"] is null)
            {
                throw new DeploymentException(
                    $"Work pool '{workPool}' is of type {pool.Type} and its base job template has no 'image' variable: an image can only be deployed to a pool that runs images (docker, kubernetes).");
            }

            var built = await ImageBuilds.BuildAsync(image, options.Push, output, cancellationToken).ConfigureAwait(false);
            variables["image"] = built;
            // What the container runs, not a path on this machine: the deployment shows where its code is.
            command ??= await ImageBuilds.EntrypointAsync(built, cancellationToken).ConfigureAwait(false);
        }

        if (command is null)
        {
            command = ExecutableCommand.CommandLine();
            if (pool.Type == WorkPoolTypes.Process && options.PullSteps is not { Count: > 0 })
            {
                await output.WriteLineAsync(
                    $"Warning: the command is this machine's path ({command}): only a worker on this machine, with the code at that path, can run it. " +
                    "For workers elsewhere, give pull steps that fetch the code (bosun.yaml `pull:`, DeployOptions.PullSteps) and a command relative to where they leave it.").ConfigureAwait(false);
            }
        }

        var defaults = DefaultParameters();
        foreach (var (key, value) in options.Parameters ?? [])
        {
            defaults[key] = value?.DeepClone();
        }

        var request = new DeploymentUpsert(
            Name,
            name,
            command,
            defaults,
            ParameterSchema,
            workPool,
            options.WorkQueue,
            variables,
            options.Tags?.ToList() ?? [],
            options.Description ?? Attribute.Description,
            options.Version ?? Attribute.Version,
            options.Paused,
            options.ConcurrencyLimit,
            options.CollisionStrategy,
            Attribute.Retries,
            Attribute.RetryDelaySeconds,
            options.Schedules,
            options.CatchUp,
            TimeoutSeconds: Attribute.TimeoutSeconds > 0 ? Attribute.TimeoutSeconds : null)
        {
            PullSteps = options.PullSteps is { Count: > 0 } steps ? (JsonArray)steps.DeepClone() : null,
        };
        var existing = await FindAsync(api, $"{Name}/{name}", cancellationToken).ConfigureAwait(false);
        var changes = existing is null ? null : DeploymentChanges.Between(existing, request);
        if (existing is not null && changes!.Count == 0)
        {
            await output.WriteLineAsync($"Deployment '{existing.FullName}' is up to date: nothing changed.").ConfigureAwait(false);
            return existing;
        }

        var deployment = await api.UpsertDeploymentAsync(request, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync(existing is null
            ? $"Created deployment '{deployment.FullName}' on work pool '{workPool}'."
            : $"Updated deployment '{deployment.FullName}' on work pool '{workPool}': {string.Join(", ", changes!)} changed.").ConfigureAwait(false);
        await output.WriteLineAsync($"To run it: bosun deployment run '{deployment.FullName}'").ConfigureAwait(false);
        return deployment;
    }

    private static async Task<Deployment?> FindAsync(BosunClient api, string fullName, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetDeploymentByNameAsync(fullName, cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
