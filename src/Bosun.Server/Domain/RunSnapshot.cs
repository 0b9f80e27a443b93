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
    int DeploymentSlotsInUse = 0)
{
    /// <summary>How many times its deployment lets a CRASHED run start again on fresh infrastructure.</summary>
    public int CrashRetries { get; init; }

    /// <summary>Seconds between a crash and the new attempt.</summary>
    public int CrashRetryDelaySeconds { get; init; }

    /// <summary>How a run stopped by its start timeout ends (FAILED or CANCELLED "StartTimedOut").</summary>
    public StartTimeoutAction StartTimeoutAction { get; init; }

    /// <summary>How many crash retries the run has used.</summary>
    public int CrashRetryCount { get; init; }

    /// <summary>How many times the run was resumed from a suspension: each resume starts an attempt that is not a retry.</summary>
    public int ResumeCount { get; init; }

    /// <summary>
    /// The attempts the flow's own retries account for: <see cref="RunCount"/> less those started by crash retries and by
    /// resumes from a suspension (Prefect counts neither as a retry).
    /// </summary>
    public int RetryAttempts => RunCount - CrashRetryCount - ResumeCount;
}
