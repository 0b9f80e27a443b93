using Microsoft.Extensions.Logging;

namespace Bosun.Cli.Output;

/// <summary>
/// The client's outage lines ("not answering", "answers again") as plain lines on stderr, for commands a person watches:
/// no category, event id or level prefix, and nothing below Information.
/// </summary>
internal sealed class ErrorLineLogger(TextWriter error) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            error.WriteLine(formatter(state, exception));
        }
    }
}
