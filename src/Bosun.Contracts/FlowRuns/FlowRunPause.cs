using System.Text.Json.Nodes;

namespace Bosun.Contracts.FlowRuns;

/// <summary>Pauses a RUNNING run (its flow called <c>FlowContext.PauseAsync</c>): PAUSED until resumed, cancelled or timed out.</summary>
/// <param name="InputSchema">The JSON Schema of the input a resume must carry; none: a resume carries no input.</param>
/// <param name="TimeoutSeconds">How long the flow waits for a resume (its process fails the run after that).</param>
public sealed record FlowRunPause(JsonObject? InputSchema = null, double? TimeoutSeconds = null)
{
    /// <summary>
    /// A suspension (<c>FlowContext.SuspendAsync</c>): the run is PAUSED "Suspended" and its process exits, releasing its
    /// infrastructure; a resume schedules it again, and the flow re-runs from the start, its completed task runs answered
    /// from their results and the input delivered under <see cref="Key"/>.
    /// </summary>
    public bool Suspend { get; init; }

    /// <summary>Names the suspension within its run, so that the re-run flow finds its input (default "suspend-1", "suspend-2"…).</summary>
    public string? Key { get; init; }
}
