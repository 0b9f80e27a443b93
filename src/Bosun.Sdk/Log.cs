using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>The SDK's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Flow run {RunId}: giving up, the Bosun server did not answer for {Window} ({Reason})")]
    public static partial void GaveUp(ILogger logger, Guid runId, TimeSpan window, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "{Count} task-run report(s) not recorded yet, sent again later: {Reason}")]
    public static partial void TaskRunsNotRecorded(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "{Count} task-run report(s) refused by the server and dropped: {Reason}")]
    public static partial void TaskRunsRefused(ILogger logger, int count, string reason);
}
