using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>How <see cref="FlowDefinition.ServeAsync"/> serves a flow.</summary>
public sealed class ServeOptions
{
    /// <summary>Most runs executing at once in this serving process.</summary>
    public int Limit { get; set; } = 10;

    /// <summary>Run each flow run inside this process instead of in a child process of the same executable.</summary>
    public bool InProcess { get; set; }

    /// <summary>Pause the deployment when the serving process stops, so that no run piles up for it.</summary>
    public bool PauseOnShutdown { get; set; } = true;

    /// <summary>On shutdown (the first Ctrl+C or SIGTERM), how long running runs may finish before they are stopped and marked CRASHED; a second signal stops them at once.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one claim waits on the server for a run.</summary>
    public TimeSpan PollWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Default parameter values, over the method's own defaults.</summary>
    public JsonObject? Parameters { get; set; }

    /// <summary>Tags copied onto runs.</summary>
    public IList<string> Tags { get; } = [];

    /// <summary>Free text.</summary>
    public string? Description { get; set; }

    /// <summary>Code version.</summary>
    public string? Version { get; set; }

    /// <summary>Most of the deployment's runs in flight at once, across every serving process.</summary>
    public int? ConcurrencyLimit { get; set; }

    /// <summary>What happens to a run over the limit.</summary>
    public CollisionStrategy CollisionStrategy { get; set; } = CollisionStrategy.Enqueue;

    /// <summary>The API client (default: from BOSUN_API_URL).</summary>
    public BosunClient? Client { get; set; }

    /// <summary>Where progress is written (default: the console).</summary>
    public TextWriter? Output { get; set; }

    /// <summary>
    /// How long calls to an unreachable server are retried (default 10 minutes), here and in the runs' child processes;
    /// serving itself keeps polling past it. Applies to the client serve creates, not to <see cref="Client"/>.
    /// </summary>
    public TimeSpan OutageRetryWindow { get; set; } = BosunClientOptions.DefaultOutageRetryWindow;

    /// <summary>Where serving logs what it does (outages, log shipping, drains); default: stderr at the level of BOSUN_LOG_LEVEL.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }
}
