using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>The client's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "Log shipping failed ({Reason}); {Count} line(s) kept for the next try")]
    public static partial void LogShippingFailed(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "LOG LINES LOST: the server has not taken logs while {Memory} lines in memory and the spill file {Path} ({Bytes} bytes) filled up; {Dropped} line(s) dropped so far")]
    public static partial void LogLinesDropped(ILogger logger, long dropped, int memory, string path, long bytes);

    [LoggerMessage(EventId = 134, Level = LogLevel.Warning, Message = "The server does not take logs: {Count} line(s) moved from memory to {Path} (kept up to {Bytes} bytes, sent when the server is back)")]
    public static partial void LogsSpilling(ILogger logger, int count, string path, long bytes);

    [LoggerMessage(EventId = 135, Level = LogLevel.Error, Message = "Log lines could not be written to the spill file {Path}: {Reason}")]
    public static partial void LogSpillFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 136, Level = LogLevel.Error, Message = "The server refused {Count} log line(s), which are dropped: {Reason}")]
    public static partial void LogLinesRefused(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 138, Level = LogLevel.Warning, Message = "The server refused a batch of {Count} log line(s) ({Reason}); it is sent again in {Parts} parts, so that only what it refuses is dropped")]
    public static partial void LogBatchSplit(ILogger logger, int count, int parts, string reason);

    [LoggerMessage(EventId = 137, Level = LogLevel.Error, Message = "LOG LINES LOST: stopping with {Count} line(s) in memory and the spill file {Path} that the server never took")]
    public static partial void LogLinesAbandoned(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "The Bosun server at {ApiUrl} is not answering ({Reason}); requests are retried for up to {Window}")]
    public static partial void ServerNotAnswering(ILogger logger, Uri apiUrl, string reason, TimeSpan window);

    [LoggerMessage(EventId = 133, Level = LogLevel.Information, Message = "The Bosun server at {ApiUrl} answers again, after {Duration}")]
    public static partial void ServerAnswersAgain(ILogger logger, Uri apiUrl, TimeSpan duration);
}
