using System.Text.Json.Nodes;

namespace Bosun.Contracts.FlowRuns;

/// <summary>Pauses a RUNNING run (its flow called <c>FlowContext.PauseAsync</c>): PAUSED until resumed, cancelled or timed out.</summary>
/// <param name="InputSchema">The JSON Schema of the input a resume must carry; none: a resume carries no input.</param>
/// <param name="TimeoutSeconds">How long the flow waits for a resume (its process fails the run after that).</param>
public sealed record FlowRunPause(JsonObject? InputSchema = null, double? TimeoutSeconds = null);
