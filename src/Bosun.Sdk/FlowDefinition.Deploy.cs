using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;

namespace Bosun.Sdk;

public sealed partial class FlowDefinition
{
    /// <summary>
    /// Registers (creates or updates) a deployment of this flow on a work pool, so that the pool's workers run it.
    /// With an <paramref name="image"/>, builds it from the project first, pushes it when <paramref name="push"/> is
    /// true, and records it as the <c>image</c> job variable.
    /// </summary>
    /// <param name="name">The deployment's name; it is addressed as <c>flow/name</c>.</param>
    /// <param name="workPool">The work pool whose workers run it; it must exist.</param>
    /// <param name="image">An image to build (<c>"name:tag"</c> or a <see cref="DeploymentImage"/>); pools with an <c>image</c> variable only.</param>
    /// <param name="push">Push the built image to the registry its name points to.</param>
    /// <param name="jobVariables">Overrides of the pool's job variable defaults for this deployment only.</param>
    /// <param name="parameters">Default parameter values, over the method's own defaults.</param>
    /// <param name="workQueue">A queue of the pool other than its default.</param>
    /// <param name="tags">Tags copied onto its runs.</param>
    /// <param name="description">Free text (default: the flow's description).</param>
    /// <param name="version">Code version (default: the flow's version).</param>
    /// <param name="concurrencyLimit">Most of its runs in flight at once.</param>
    /// <param name="collisionStrategy">What happens to a run over the limit.</param>
    /// <param name="paused">Register it paused.</param>
    /// <param name="client">The API client (default: from BOSUN_API_URL).</param>
    /// <param name="output">Where progress is written (default: the console).</param>
    /// <param name="cancellationToken">Cancels the deploy.</param>
    public async Task<Deployment> DeployAsync(
        string name,
        string workPool,
        DeploymentImage? image = null,
        bool push = true,
        JsonObject? jobVariables = null,
        JsonObject? parameters = null,
        string? workQueue = null,
        IEnumerable<string>? tags = null,
        string? description = null,
        string? version = null,
        int? concurrencyLimit = null,
        CollisionStrategy collisionStrategy = CollisionStrategy.Enqueue,
        bool paused = false,
        BosunClient? client = null,
        TextWriter? output = null,
        CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        using var ownClient = client is null ? new BosunClient(BosunClientOptions.FromEnvironment()) : null;
        var api = client ?? ownClient!;
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

        var variables = jobVariables is null ? new JsonObject() : (JsonObject)jobVariables.DeepClone();
        if (image is not null)
        {
            if (pool.BaseJobTemplate["variables"]?["properties"]?["image"] is null)
            {
                throw new DeploymentException(
                    $"Work pool '{workPool}' is of type {pool.Type} and its base job template has no 'image' variable: an image can only be deployed to a pool that runs images (docker, kubernetes).");
            }

            var built = await ImageBuilds.BuildAsync(image, push, output, cancellationToken).ConfigureAwait(false);
            variables["image"] = built;
        }

        var defaults = DefaultParameters();
        foreach (var (key, value) in parameters ?? [])
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
            workQueue,
            variables,
            tags?.ToList(),
            description ?? Attribute.Description,
            version ?? Attribute.Version,
            paused,
            concurrencyLimit,
            collisionStrategy,
            Attribute.Retries,
            Attribute.RetryDelaySeconds), cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Successfully created/updated deployment '{deployment.FullName}' on work pool '{workPool}'.").ConfigureAwait(false);
        await output.WriteLineAsync($"To run it: bosun deployment run '{deployment.FullName}'").ConfigureAwait(false);
        return deployment;
    }
}
