using System.Globalization;
using Bosun.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Bosun.Sdk;

/// <summary>
/// The SDK's own log (server outages, log shipping, serving) on stderr, one line each, at the level of
/// <c>BOSUN_LOG_LEVEL</c> (Trace, Debug, Information — the default —, Warning, Error, Critical, None). In a flow-run
/// process a worker ships these lines to the run's logs like any other output.
/// </summary>
internal static class SdkLogging
{
    public const string LevelVariable = "BOSUN_LOG_LEVEL";

    public static ILoggerFactory CreateConsoleFactory() => LoggerFactory.Create(logging =>
    {
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        // stdout is the flow's own output (and, without LogPrints, its run logs); the SDK writes beside it, not into it.
        logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable(LevelVariable), ignoreCase: true, out var level) ? level : LogLevel.Information);
    });

    /// <summary>The retry window of <c>BOSUN_SERVER_RETRY_SECONDS</c> (a worker sets it for its flow-run processes), else 10 minutes.</summary>
    public static TimeSpan OutageRetryWindowFromEnvironment() =>
        double.TryParse(Environment.GetEnvironmentVariable(BosunClientOptions.OutageRetryWindowVariable), CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : BosunClientOptions.DefaultOutageRetryWindow;
}
