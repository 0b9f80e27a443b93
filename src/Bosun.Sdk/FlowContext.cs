using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>
/// What a flow's code knows about its run: the run id, its parameters, a logger whose lines become the run's logs,
/// and a token that fires when the run is cancelled. Take it as a parameter of the flow method, or read
/// <see cref="Current"/>.
/// </summary>
public sealed class FlowContext
{
    private static readonly AsyncLocal<FlowContext?> CurrentContext = new();

    internal FlowContext(string flowName, Guid? flowRunId, string? flowRunName, JsonObject parameters, ILogger logger, CancellationToken cancellationToken)
    {
        FlowName = flowName;
        FlowRunId = flowRunId;
        FlowRunName = flowRunName;
        Parameters = parameters;
        Logger = logger;
        CancellationToken = cancellationToken;
    }

    /// <summary>The context of the flow run executing on this async flow; outside a run, a local context that logs to the console.</summary>
    public static FlowContext Current => CurrentContext.Value ?? Local;

    private static FlowContext Local { get; } = new("local", null, null, [], new ConsoleFlowLogger(), CancellationToken.None);

    /// <summary>The flow's name.</summary>
    public string FlowName { get; }

    /// <summary>The run's id; null when the flow method was called directly, without a server.</summary>
    public Guid? FlowRunId { get; }

    /// <summary>The run's readable name.</summary>
    public string? FlowRunName { get; }

    /// <summary>The parameters the run was started with.</summary>
    public JsonObject Parameters { get; }

    /// <summary>Lines written here are the run's logs (source "flow").</summary>
    public ILogger Logger { get; }

    /// <summary>Runs this flow run's task calls; null outside a flow run, where tasks are plain calls.</summary>
    internal TaskRunner? TaskRunner { get; init; }

    /// <summary>Fires when the run is cancelled (from the API, the CLI or the UI) or its process is asked to stop.</summary>
    public CancellationToken CancellationToken { get; }

    internal static IDisposable Enter(FlowContext context)
    {
        var previous = CurrentContext.Value;
        CurrentContext.Value = context;
        return new Restore(previous);
    }

    private sealed class Restore(FlowContext? previous) : IDisposable
    {
        public void Dispose() => CurrentContext.Value = previous;
    }

    /// <summary>Outside a run, flow logs go to the console so that a direct call still shows them.</summary>
    private sealed class ConsoleFlowLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Console.Error.WriteLine($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
        }

        private sealed class NullScope : IDisposable
        {
            public static NullScope Instance { get; } = new();

            public void Dispose()
            {
            }
        }
    }
}
