namespace Bosun.Server.Orchestration;

/// <summary>The kinds of <see cref="WaitingReason"/>, as the <c>reason</c> label of <c>bosun_runs_waiting</c> names them (snake case).</summary>
internal enum WaitingKind
{
    Scheduled,
    AwaitingRetry,
    PoolPaused,
    QueuePaused,
    PoolLimit,
    QueueLimit,
    DeploymentLimit,
    NoWorker,
    WaitingForWorker,
    StartingInfrastructure,
    NotOnAPool,
}
