using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.Security;

namespace Bosun.Server.Api.Deployments;

/// <summary>/api/deployments/{id}/policy_exemptions: an admin's override of a pool's job-variable policy for one deployment.</summary>
internal static class DeploymentPolicyEndpoints
{
    public static void MapDeploymentPolicy(this IEndpointRouteBuilder api)
    {
        api.MapPut($"{ApiRoutes.Deployments}/{{id:guid}}/policy_exemptions", (Guid id, PolicyExemptionUpdate update, DeploymentService service, CancellationToken ct) =>
            service.SetPolicyExemptionsAsync(id, update, ct))
            .WithTags("Deployments").WithName("SetDeploymentPolicyExemptions").Requires(Permission.Admin)
            .WithSummary("Exempt a deployment from its pool's job-variable policy")
            .WithDescription("Approve the deployment's present values of these job variables despite its pool's policy (recorded in the audit log); an empty list removes the override.");
    }
}
