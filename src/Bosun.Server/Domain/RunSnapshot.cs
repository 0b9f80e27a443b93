using Bosun.Contracts.Deployments;
using Bosun.Contracts.States;

namespace Bosun.Server.Domain;

/// <summary>What the state rules need to know about a run.</summary>
internal sealed record RunSnapshot(
    FlowRunState Current,
    bool HasDeployment,
    string? InfrastructureId,
    int RunCount,
    int Retries,
    int RetryDelaySeconds,
    int? DeploymentConcurrencyLimit = null,
    CollisionStrategy CollisionStrategy = CollisionStrategy.Enqueue,
    int DeploymentSlotsInUse = 0);
