using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts.States;
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

    /// <summary>Starts this flow run's subflows and deployment runs; null outside a flow run, where a subflow is a plain call.</summary>
    internal ChildRuns? ChildRuns { get; init; }

    /// <summary>Fires when the run is cancelled (from the API, the CLI or the UI) or its process is asked to stop.</summary>
    public CancellationToken CancellationToken { get; }

#pragma warning disable RS0026 // Two shapes of one call (the run, or its result), each with the optional token last, as every SDK method has.
    /// <summary>
    /// Starts a run of another deployment (<c>flow/deployment</c>) on its own infrastructure, as a child of this run
    /// (cancelled with it), and waits for it to end. Returns the run as it ended; or, when <paramref name="timeout"/>
    /// passes first, as it is then (it goes on); with <see cref="TimeSpan.Zero"/>, at once after creating it.
    /// </summary>
    /// <param name="deployment">The deployment's address, <c>flow-name/deployment-name</c>.</param>
    /// <param name="parameters">Parameter values over the deployment's defaults: a <see cref="JsonObject"/>, or an object (an anonymous one) written as JSON.</param>
    /// <param name="timeout">How long to wait; null waits until the run ends.</param>
    /// <param name="cancellationToken">Stops waiting (the run goes on); the run's own token stops it too.</param>
    public Task<Contracts.FlowRuns.FlowRun> RunDeploymentAsync(string deployment, object? parameters = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Children.RunDeploymentAsync(deployment, ParametersObject(parameters), timeout, cancellationToken);

    /// <summary>
    /// Starts a run of another deployment as <see cref="RunDeploymentAsync"/> does, waits for it, and returns its result
    /// read as <typeparamref name="T"/> (default when its flow returns nothing). Throws <see cref="FlowRunFailedException"/>
    /// when it ends other than COMPLETED, and <see cref="TimeoutException"/> when <paramref name="timeout"/> passes first.
    /// </summary>
    /// <typeparam name="T">The deployment's flow's result.</typeparam>
    /// <param name="deployment">The deployment's address, <c>flow-name/deployment-name</c>.</param>
    /// <param name="parameters">Parameter values over the deployment's defaults: a <see cref="JsonObject"/>, or an object written as JSON.</param>
    /// <param name="timeout">How long to wait; null waits until the run ends.</param>
    /// <param name="cancellationToken">Stops waiting (the run goes on); the run's own token stops it too.</param>
    public async Task<T?> RunDeploymentAsync<T>(string deployment, object? parameters = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var run = await Children.RunDeploymentAsync(deployment, ParametersObject(parameters), timeout, cancellationToken).ConfigureAwait(false);
        if (!run.State.Type.IsTerminal())
        {
            throw new TimeoutException($"Flow run '{run.Name}' ({run.Id}) of '{deployment}' had not ended after {timeout}: it is {run.State.Type.ToWireName()} and goes on.");
        }

        return run.State.Type == StateType.Completed
            ? await Children.ResultOfAsync<T>(run, cancellationToken).ConfigureAwait(false)
            : throw new FlowRunFailedException(run);
    }
#pragma warning restore RS0026

    /// <summary>
    /// Pauses the run until someone resumes it (<c>bosun flow-run resume</c>, the API or the run's page): the run is PAUSED,
    /// this process waits (heartbeating), and the flow goes on when the run is RUNNING again. Not resumed within
    /// <paramref name="timeout"/>: a <see cref="TimeoutException"/> (the run fails unless the flow catches it).
    /// </summary>
    /// <param name="timeout">How long to wait for a resume.</param>
    /// <param name="cancellationToken">Stops waiting; the run's own token (a cancelled run) does too.</param>
    public async Task PauseAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
        await Gate.PauseAsync(null, timeout, stopping.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Pauses the run until it is resumed with input of type <typeparamref name="T"/> (a record, say), and returns that
    /// input. The run shows the input's JSON Schema; a resume whose input does not match it is refused (422), so what
    /// arrives here is valid. Not resumed within <paramref name="timeout"/>: a <see cref="TimeoutException"/>.
    /// </summary>
    /// <typeparam name="T">The input asked for.</typeparam>
    /// <param name="timeout">How long to wait for a resume.</param>
    /// <param name="cancellationToken">Stops waiting; the run's own token (a cancelled run) does too.</param>
    public async Task<T> PauseAsync<T>(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, cancellationToken);
        var input = await Gate.PauseAsync(ParameterSchema.ForValue(typeof(T)), timeout, stopping.Token).ConfigureAwait(false);
        return (input ?? []).Deserialize<T>(ParameterSchema.JsonOptions)!;
    }

#pragma warning disable RS0026 // Two shapes of one call (without input, or with it), each with the optional key and token last.
    /// <summary>
    /// Suspends the run (Prefect's <c>suspend_flow_run</c>): its task runs are recorded, the run becomes PAUSED "Suspended",
    /// and this method throws <see cref="FlowRunSuspendedException"/>, which ends the flow and its process, releasing its
    /// infrastructure and its concurrency slots. A resume (<c>bosun flow-run resume</c>, the API, the run's page) schedules
    /// the run again: the flow re-runs from the start, each completed task call answered from its recorded result without
    /// running its body, and this call returns. Not resumed within <paramref name="timeout"/>: the server fails the run.
    /// Code before the suspension runs again, so keep it to tasks (or make it idempotent).
    /// </summary>
    /// <param name="timeout">How long the run may stay suspended.</param>
    /// <param name="key">Names this suspension within the run (default: "suspend-1", "suspend-2"… in call order).</param>
    /// <param name="cancellationToken">Stops the call.</param>
    public async Task SuspendAsync(TimeSpan timeout, string? key = null, CancellationToken cancellationToken = default) =>
        await Suspender.SuspendAsync(null, timeout, key, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Suspends the run until it is resumed with input of type <typeparamref name="T"/>, as <see cref="SuspendAsync"/> does:
    /// this process exits, and when the re-run flow reaches this call again it returns the input (valid against
    /// <typeparamref name="T"/>'s JSON Schema: a resume with other input is refused, 422).
    /// </summary>
    /// <typeparam name="T">The input asked for.</typeparam>
    /// <param name="timeout">How long the run may stay suspended.</param>
    /// <param name="key">Names this suspension within the run (default: "suspend-1", "suspend-2"… in call order).</param>
    /// <param name="cancellationToken">Stops the call.</param>
    public async Task<T> SuspendAsync<T>(TimeSpan timeout, string? key = null, CancellationToken cancellationToken = default)
    {
        var input = await Suspender.SuspendAsync(ParameterSchema.ForValue(typeof(T)), timeout, key, cancellationToken).ConfigureAwait(false);
        return (input ?? []).Deserialize<T>(ParameterSchema.JsonOptions)!;
    }
#pragma warning restore RS0026

    /// <summary>Suspends this flow run; null outside a flow run.</summary>
    internal SuspendGate? Suspensions { get; init; }

    private SuspendGate Suspender => Suspensions ?? throw new InvalidOperationException(
        "SuspendAsync suspends a flow run: call it from a flow running on a Bosun server (served, deployed or started by a worker).");

    /// <summary>Pauses this flow run; null outside a flow run.</summary>
    internal PauseGate? Pauses { get; init; }

    private PauseGate Gate => Pauses ?? throw new InvalidOperationException(
        "PauseAsync pauses a flow run: call it from a flow running on a Bosun server (served, deployed or started by a worker).");

    private ChildRuns Children => ChildRuns ?? throw new InvalidOperationException(
        "RunDeploymentAsync starts a child run of a flow run: call it from a flow running on a Bosun server (served, deployed or started by a worker).");

    private static JsonObject? ParametersObject(object? parameters) => parameters switch
    {
        null => null,
        JsonObject json => json,
        _ => System.Text.Json.JsonSerializer.SerializeToNode(parameters, parameters.GetType(), ParameterSchema.JsonOptions) as JsonObject
            ?? throw new ArgumentException($"parameters must be written as a JSON object (an object with a property per parameter); got {parameters.GetType().Name}.", nameof(parameters)),
    };

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
