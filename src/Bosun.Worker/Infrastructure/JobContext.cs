using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;

namespace Bosun.Worker.Infrastructure;

/// <summary>Everything an infrastructure needs to start one flow run.</summary>
/// <param name="Claim">The claimed run and its deployment.</param>
/// <param name="Configuration">The rendered job configuration.</param>
/// <param name="Environment">The standard variables every flow-run infrastructure receives (API URL, run id, names).</param>
/// <param name="Labels">The standard labels (run id and name, pool, worker, flow, deployment, version).</param>
/// <param name="Output">Receives each line the infrastructure prints (line, is-error), when stream_output is on.</param>
/// <param name="WorkerLog">Writes a line to the run's logs on the worker's behalf (progress, pulls, errors).</param>
public sealed record JobContext(
    ClaimedFlowRun Claim,
    JsonObject Configuration,
    IReadOnlyDictionary<string, string?> Environment,
    IReadOnlyDictionary<string, string> Labels,
    Action<string, bool> Output,
    Action<string> WorkerLog)
{
    /// <summary>
    /// Tells the server what keeps the infrastructure from starting (a pod's FailedScheduling), shown as the run's
    /// waiting reason while it is PENDING; returns at once. Null where nobody listens.
    /// </summary>
    public Action<string>? WaitingReason { get; init; }

    /// <summary>
    /// Records the infrastructure's id with the server once it exists and before it starts (a container created, not yet
    /// started), so that a flow that reports its own end at once never ends before its run names its infrastructure.
    /// Called at most once; an infrastructure whose id exists only once it runs (a process) does not call it. Null where
    /// nobody listens.
    /// </summary>
    public Func<string, CancellationToken, Task>? Created { get; init; }

    /// <summary>The deployment's pull steps with their <c>{{ secret.X }}</c> references resolved; null when it has none.</summary>
    public JsonArray? PullSteps { get; init; }

    /// <summary>The rendered <c>stream_output</c>, true unless set false.</summary>
    public bool StreamOutput => Configuration["stream_output"] is not JsonValue value || !value.TryGetValue<bool>(out var stream) || stream;

    /// <summary>The rendered env on top of <see cref="Environment"/>: null values remove a variable, non-strings become JSON text.</summary>
    public IReadOnlyDictionary<string, string?> MergedEnvironment()
    {
        var merged = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in Environment)
        {
            merged[name] = value;
        }

        if (Configuration["env"] is JsonObject env)
        {
            foreach (var (name, value) in env)
            {
                merged[name] = value switch
                {
                    null => null,
                    JsonValue text when text.TryGetValue<string>(out var s) => s,
                    _ => value.ToJsonString(),
                };
            }
        }

        return merged;
    }

    /// <summary>A string setting of the configuration, or null when missing or empty.</summary>
    public string? Text(string key) =>
        Configuration[key] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
