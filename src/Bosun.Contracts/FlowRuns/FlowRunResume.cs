using System.Text.Json.Nodes;

namespace Bosun.Contracts.FlowRuns;

/// <summary>Resumes a PAUSED run, with the input its pause asked for (checked against its schema: 422 otherwise).</summary>
/// <param name="Input">The input, an object matching the pause's input schema.</param>
public sealed record FlowRunResume(JsonObject? Input = null);
