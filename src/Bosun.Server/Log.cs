namespace Bosun.Server;

/// <summary>The server's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    public static partial void UnhandledRequestError(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Store {Store} ready at schema version {Version} ({Location})")]
    public static partial void StoreReady(ILogger logger, string store, int version, string location);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Marked {Count} flow runs Late")]
    public static partial void MarkedLate(ILogger logger, int count);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Scheduled {Count} flow runs")]
    public static partial void ScheduledRuns(ILogger logger, int count);

    [LoggerMessage(EventId = 40, Level = LogLevel.Warning, Message = "Lost the PostgreSQL notification listener; reconnecting in {Delay}")]
    public static partial void ReplicaListenerLost(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Could not notify the other replicas through {Endpoint}")]
    public static partial void ReplicaNotifyFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "Background service {Service} failed; retrying in {Delay}")]
    public static partial void BackgroundServiceFailed(ILogger logger, string service, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Flow run {FlowRunName} ({FlowRunId}) was abandoned: {From} -> {To}, {Reason}")]
    public static partial void RunAbandoned(ILogger logger, string flowRunName, Guid flowRunId, string from, string to, string reason);

    [LoggerMessage(EventId = 51, Level = LogLevel.Information, Message = "Skipped {Count} scheduled runs missed during an outage (catch-up policies)")]
    public static partial void SkippedScheduledRuns(ILogger logger, int count);

    [LoggerMessage(EventId = 52, Level = LogLevel.Warning, Message = "Reading the logs of followed flow run {FlowRunId} failed; retrying in {Delay}")]
    public static partial void LogFeedReadFailed(ILogger logger, Guid flowRunId, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "Deciding {Count} held RUNNING proposals due at the same time in one transaction failed; deciding each alone")]
    public static partial void HeldBatchDecidedOneByOne(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Recording {Action} in the audit log failed; a refusal is answered anyway, anything else is answered 500")]
    public static partial void AuditWriteFailed(ILogger logger, string action, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Setting the answer's status on the audit entry of {Action} failed; the entry stands with the change")]
    public static partial void AuditStatusFailed(ILogger logger, string action, Exception exception);

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Flow run {FlowRunName} ({FlowRunId}) ran longer than its timeout of {TimeoutSeconds} s: stopping it")]
    public static partial void RunTimedOut(ILogger logger, string flowRunName, Guid flowRunId, int timeoutSeconds);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Flow run {FlowRunName} ({FlowRunId}) did not start within its start timeout of {StartTimeoutSeconds} s: {Action}")]
    public static partial void RunStartTimedOut(ILogger logger, string flowRunName, Guid flowRunId, int startTimeoutSeconds, string action);

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "Automation {Automation} gave up action {ActionIndex} ({ActionKind}) for {EventKey} after {Attempts} attempts: {Error}")]
    public static partial void AutomationDeliveryGivenUp(ILogger logger, string automation, int actionIndex, string actionKind, string eventKey, int attempts, string? error);

    [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "Automation {Automation}: attempt {Attempts} of action {ActionIndex} ({ActionKind}) failed, will retry: {Error}")]
    public static partial void AutomationAttemptFailed(ILogger logger, string automation, int actionIndex, string actionKind, int attempts, string? error);

    [LoggerMessage(EventId = 82, Level = LogLevel.Error, Message = "An attempt of automation delivery {DeliveryId} failed unexpectedly; it is tried again when its lease runs out")]
    public static partial void AutomationAttemptError(ILogger logger, Guid deliveryId, Exception exception);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Flow run {FlowRunName} ({FlowRunId}) was paused and not resumed within its pause's timeout: failed")]
    public static partial void PauseTimedOut(ILogger logger, string flowRunName, Guid flowRunId);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "The result file {File} of a deleted flow run could not be removed from {Folder}: {Reason}")]
    public static partial void ResultFileNotRemoved(ILogger logger, string file, string folder, string reason);
}
