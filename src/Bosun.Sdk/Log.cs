using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>The SDK's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Flow run {RunId}: giving up, the Bosun server did not answer for {Window} ({Reason})")]
    public static partial void GaveUp(ILogger logger, Guid runId, TimeSpan window, string reason);
}
