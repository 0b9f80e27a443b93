using System.Text.Json.Nodes;

namespace Bosun.Contracts.FlowRuns;

/// <summary>
/// Starts a run of another deployment as a child of a running flow run (<c>FlowContext.RunDeploymentAsync</c>): it runs on
/// its deployment's infrastructure, is linked to the parent and cancelled with it. A flow run's own token may do this for
/// runs of its tree only.
/// </summary>
/// <param name="Deployment">The deployment's address, <c>flow-name/deployment-name</c>.</param>
/// <param name="Parameters">Parameter values over the deployment's defaults.</param>
public sealed record DeploymentRunCreate(string Deployment, JsonObject? Parameters = null);
