using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>The client's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Log shipping for flow run {RunId} failed; {Count} line(s) kept for the next try")]
    public static partial void LogShippingFailed(ILogger logger, Guid runId, int count, Exception exception);

    [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "The server has not accepted logs for a while: {Dropped} line(s) dropped so far (buffer limit {Limit})")]
    public static partial void LogLinesDropped(ILogger logger, int dropped, int limit);
}
