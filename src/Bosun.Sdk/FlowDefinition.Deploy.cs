using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;

namespace Bosun.Sdk;

public sealed partial class FlowDefinition
{
    /// <summary>
    /// Registers (creates or updates) a deployment of this flow on a work pool, so that the pool's workers run it.
    /// With an <see cref="DeployOptions.Image"/>, builds it from the project first, pushes it when
    /// <see cref="DeployOptions.Push"/> is true, and records it as the <c>image</c> job variable.
    /// </summary>
    /// <param name="name">The deployment's name; it is addressed as <c>flow/name</c>.</param>
    /// <param name="workPool">The work pool whose workers run it; it must exist.</param>
    /// <param name="options">Image, job variables, parameters and the deployment's other settings.</param>
    /// <param name="cancellationToken">Cancels the deploy.</param>
    public async Task<Deployment> DeployAsync(string name, string workPool, DeployOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DeployOptions();
        var output = options.Output ?? Console.Out;
        using var ownClient = options.Client is null ? new BosunClient(BosunClientOptions.FromEnvironment()) : null;
        var api = options.Client ?? ownClient!;
        Contracts.WorkPools.WorkPool pool;
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
        if (options.Image is { } image)
        {
            if (pool.BaseJobTemplate["variables"]?["properties"]?["image"] is null)
            {
                throw new DeploymentException(
                    $"Work pool '{workPool}' is of type {pool.Type} and its base job template has no 'image' variable: an image can only be deployed to a pool that runs images (docker, kubernetes).");
            }

            var built = await ImageBuilds.BuildAsync(image, options.Push, output, cancellationToken).ConfigureAwait(false);
            variables["image"] = built;
        }

        var defaults = DefaultParameters();
        foreach (var (key, value) in options.Parameters ?? [])
        {
            defaults[key] = value?.DeepClone();
        }

        var deployment = await api.UpsertDeploymentAsync(new DeploymentUpsert(
            Name,
            name,
            ExecutableCommand.CommandLine(),
            defaults,
            ParameterSchema,
            workPool,
            options.WorkQueue,
            variables,
            options.Tags?.ToList(),
            options.Description ?? Attribute.Description,
            options.Version ?? Attribute.Version,
            options.Paused,
            options.ConcurrencyLimit,
            options.CollisionStrategy,
            Attribute.Retries,
            Attribute.RetryDelaySeconds,
            TimeoutSeconds: Attribute.TimeoutSeconds > 0 ? Attribute.TimeoutSeconds : null), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Successfully created/updated deployment '{deployment.FullName}' on work pool '{workPool}'.").ConfigureAwait(false);
        await output.WriteLineAsync($"To run it: bosun deployment run '{deployment.FullName}'").ConfigureAwait(false);
        return deployment;
    }
}
