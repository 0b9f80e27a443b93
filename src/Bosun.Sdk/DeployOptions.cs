using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;

namespace Bosun.Sdk;

/// <summary>
/// How <see cref="FlowDefinition.DeployAsync"/> registers a deployment. Everything is optional; a new setting is a new
/// property here, so existing callers keep compiling: <c>new DeployOptions { Image = "repo-info:1", Push = false }</c>.
/// </summary>
public sealed record DeployOptions
{
    /// <summary>An image to build (<c>"name:tag"</c> or a <see cref="DeploymentImage"/>); pools with an <c>image</c> variable only.</summary>
    public DeploymentImage? Image { get; init; }

    /// <summary>Push the built image to the registry its name points to (default true).</summary>
    public bool Push { get; init; } = true;

    /// <summary>Overrides of the pool's job variable defaults for this deployment only.</summary>
    public JsonObject? JobVariables { get; init; }

    /// <summary>Default parameter values, over the method's own defaults.</summary>
    public JsonObject? Parameters { get; init; }

    /// <summary>A queue of the pool other than its default.</summary>
    public string? WorkQueue { get; init; }

    /// <summary>Tags copied onto its runs.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Free text (default: the flow's description).</summary>
    public string? Description { get; init; }

    /// <summary>Code version (default: the flow's version).</summary>
    public string? Version { get; init; }

    /// <summary>Most of its runs in flight at once.</summary>
    public int? ConcurrencyLimit { get; init; }

    /// <summary>What happens to a run over the limit.</summary>
    public CollisionStrategy CollisionStrategy { get; init; } = CollisionStrategy.Enqueue;

    /// <summary>Its schedules; they replace the ones it has. Null keeps the ones it has (none for a new deployment).</summary>
    public IReadOnlyList<Contracts.Schedules.ScheduleSpec>? Schedules { get; init; }

    /// <summary>What happens to scheduled runs missed while Bosun or its workers were down (default: all run).</summary>
    public Contracts.Schedules.CatchUpPolicy CatchUp { get; init; } = Contracts.Schedules.CatchUpPolicy.All;

    /// <summary>
    /// The command a worker starts each run with. Default: the image's entrypoint for an image, else this executable's
    /// path on this machine. A relative program (<c>bin/App</c>) and <c>{{ step-id.output }}</c> are resolved in the
    /// working directory the <see cref="PullSteps"/> leave, so that any worker of the pool finds the code.
    /// </summary>
    public string? Command { get; init; }

    /// <summary>Steps its worker runs before each run (git clone, download, set working directory, dotnet publish); process pools only.</summary>
    public JsonArray? PullSteps { get; init; }

    /// <summary>Register it paused.</summary>
    public bool Paused { get; init; }

    /// <summary>The API client (default: from BOSUN_API_URL).</summary>
    public BosunClient? Client { get; init; }

    /// <summary>Where progress is written (default: the console).</summary>
    public TextWriter? Output { get; init; }
}
