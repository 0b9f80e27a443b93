using Bosun.Client;
using Bosun.Contracts.Logs;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>An ILogger whose lines become one run's logs (source "flow"), shipped in batches; a task body's lines carry its task run.</summary>
internal sealed class RunLogger(LogShipper shipper, Guid runId, LogSource source = LogSource.Flow) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel is not LogLevel.None and >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        if (exception is not null)
        {
            message = $"{message}{Environment.NewLine}{exception}";
        }

        Write(Map(logLevel), message);
    }

    /// <summary>One line of the run; written inside a task's body (of this run: not a subflow's), it is that task run's.</summary>
    public void Write(RunLogLevel level, string message) => shipper.Add(runId, level, message, source, TaskRunner.CurrentTaskRunOf(runId));

    private static RunLogLevel Map(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => RunLogLevel.Debug,
        LogLevel.Information => RunLogLevel.Info,
        LogLevel.Warning => RunLogLevel.Warning,
        LogLevel.Error => RunLogLevel.Error,
        _ => RunLogLevel.Critical,
    };
}
