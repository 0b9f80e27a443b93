using Microsoft.Extensions.Logging;

namespace Bosun.Worker;

/// <summary>The worker's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Created work pool '{Pool}' of type {Type} with its default base job template")]
    public static partial void PoolCreated(ILogger logger, string pool, string type);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Cannot reach the Bosun server: {Reason} Retrying in {Delay}.")]
    public static partial void ServerUnreachable(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "The server refused a request: {Reason} Retrying in {Delay}.")]
    public static partial void ServerRefused(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "The server refused a claim carrying final states: {Reason} The states go on their own.")]
    public static partial void CarriedClaimRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Flow run '{RunName}' ({RunId}) claimed; submitting")]
    public static partial void RunClaimed(ILogger logger, string runName, Guid runId);

    [LoggerMessage(EventId = 111, Level = LogLevel.Information, Message = "Flow run '{RunName}': infrastructure {InfrastructureId} started")]
    public static partial void InfrastructureStarted(ILogger logger, string runName, string infrastructureId);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information, Message = "Flow run '{RunName}': infrastructure exited with {ExitCode}; run is {State}")]
    public static partial void InfrastructureExited(ILogger logger, string runName, string exitCode, string state);

    [LoggerMessage(EventId = 113, Level = LogLevel.Error, Message = "Flow run '{RunName}' could not be submitted: {Reason}")]
    public static partial void SubmitFailed(ILogger logger, string runName, string reason);

    [LoggerMessage(EventId = 114, Level = LogLevel.Information, Message = "Flow run '{RunName}': stopping its infrastructure ({Reason})")]
    public static partial void Cancelling(ILogger logger, string runName, string reason);

    [LoggerMessage(EventId = 115, Level = LogLevel.Warning, Message = "Flow run '{RunName}': the server did not take a report yet ({Reason}); trying again")]
    public static partial void ReportFailed(ILogger logger, string runName, string reason);

    [LoggerMessage(EventId = 116, Level = LogLevel.Error, Message = "Flow run '{RunName}': its execution failed unexpectedly")]
    public static partial void ExecutionFailed(ILogger logger, string runName, Exception exception);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Worker stopping: no new runs are claimed; waiting up to {Grace} for {Count} running run(s)")]
    public static partial void Draining(ILogger logger, TimeSpan grace, int count);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Drain period over: stopping {Count} run(s) and marking them CRASHED")]
    public static partial void DrainExpired(ILogger logger, int count);

    [LoggerMessage(EventId = 123, Level = LogLevel.Warning, Message = "Stopping at once: stopping {Count} run(s) and marking them CRASHED")]
    public static partial void DrainInterrupted(ILogger logger, int count);

    [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "Worker stopped")]
    public static partial void WorkerStopped(ILogger logger);

    [LoggerMessage(EventId = 124, Level = LogLevel.Warning, Message = "Flow run {RunId} was claimed by this worker but the claim's answer never reached it; the run goes back to its queue")]
    public static partial void ClaimedRunHandedBack(ILogger logger, Guid runId);

    [LoggerMessage(EventId = 125, Level = LogLevel.Warning, Message = "Could not look for runs claimed by this worker whose claim's answer was lost: {Reason}")]
    public static partial void HeldRunsCheckFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Health check listening on {Prefix}health")]
    public static partial void HealthListening(ILogger logger, string prefix);
}
