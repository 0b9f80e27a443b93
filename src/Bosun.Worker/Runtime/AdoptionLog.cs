using Microsoft.Extensions.Logging;

namespace Bosun.Worker;

/// <summary>The log messages of adoption and clean-up of infrastructure that outlives its worker (event ids 300-309).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Adopting flow run '{RunName}': no online worker watches {InfrastructureId} (its last watcher: '{PreviousWorker}')")]
    public static partial void Adopting(ILogger logger, string runName, string infrastructureId, string previousWorker);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Deleting {InfrastructureId}: {Reason}")]
    public static partial void DeletingLeftover(ILogger logger, string infrastructureId, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Reconciling the pool's Jobs failed: {Reason}")]
    public static partial void ReconcileFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Worker stopping: leaving {Count} Job(s) running for another worker of the pool to adopt")]
    public static partial void LeavingJobs(ILogger logger, int count);
}
