using System.Text.Json.Nodes;

namespace Bosun.Contracts.Deployments;

/// <summary>Asks for a deployment's rendered job configuration, as a run with these job variables would get it.</summary>
/// <param name="JobVariables">Run-level job variable overrides to include.</param>
public sealed record JobPreviewRequest(JsonObject? JobVariables = null);
