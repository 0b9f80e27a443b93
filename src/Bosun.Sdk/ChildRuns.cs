using System.Net;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;

namespace Bosun.Sdk;

/// <summary>
/// The runs one flow run starts: subflows (a flow method called through <see cref="Flows.RunAsync{T}(System.Linq.Expressions.Expression{Func{Task{T}}}, CancellationToken)"/>),
/// run here, in the parent's process, as child runs with their own states, task runs and result; and deployment runs
/// (<see cref="FlowContext.RunDeploymentAsync"/>), run on their deployment's infrastructure and awaited through the API.
/// </summary>
internal sealed class ChildRuns(Guid parentId, FlowRunHost host, BosunClient client, TimeProvider timeProvider)
{
    /// <summary>
    /// The subflow runs this flow run completed before it suspended itself; null unless it is re-running after a resume.
    /// A matching call is answered from its result without running the subflow again.
    /// </summary>
    public SubflowReplay? Replay { get; init; }

    /// <summary>Where a replayed subflow call is said: the parent run's logs.</summary>
    public RunLogger? Logger { get; init; }

    /// <summary>How often an awaited deployment run is read.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs <paramref name="flow"/> with a call's values as a child run and returns what it returns. A failed subflow
    /// throws its exception here, as a plain call would; a cancelled one throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<object?> RunSubflowAsync(FlowDefinition flow, object?[] arguments, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(FlowContext.Current.CancellationToken, cancellationToken);
        var parameters = flow.ParametersOf(arguments);
        if (Replay is not null && await ReplayAsync(flow, parameters, stopping.Token).ConfigureAwait(false) is (true, var replayed))
        {
            return replayed;
        }

        var child = await client.CreateSubflowRunAsync(parentId, new SubflowRunCreate(flow.Name, parameters, TaskRunner.CurrentTaskRunId),
            stopping.Token).ConfigureAwait(false);
        var (outcome, value, failure) = await host.ExecuteAsync(child, flow, context => flow.InvokeCallAsync(arguments, context), stopping.Token).ConfigureAwait(false);
        switch (outcome)
        {
            case FlowRunOutcome.Completed:
                return value;
            case FlowRunOutcome.Failed:
                ExceptionDispatchInfo.Capture(failure!).Throw();
                return null;
            case FlowRunOutcome.Cancelled:
                throw new OperationCanceledException($"Subflow run '{child.Name}' ({child.Id}) was cancelled.", stopping.Token);
            default:
                throw new InvalidOperationException($"Subflow run '{child.Name}' ({child.Id}) was not run: the server refused to start it; its state history says why.");
        }
    }

    /// <summary>
    /// A subflow call answered from a child run the flow run completed before it suspended (<see cref="SubflowReplay"/>):
    /// that run's result, the subflow not run again. False when no completed child matches, or when the matching child's
    /// result cannot be read back (none was kept, or its serializer is unknown): the call then runs as a new child.
    /// </summary>
    private async Task<(bool Replayed, object? Value)> ReplayAsync(FlowDefinition flow, JsonObject parameters, CancellationToken cancellationToken)
    {
        FlowRun? earlier;
        try
        {
            earlier = await Replay!.TryTakeAsync(flow.Name, parameters, TaskRunner.CurrentCallerOf(parentId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException or HttpRequestException)
        {
            Logger?.Write(RunLogLevel.Warning, $"Subflow '{flow.Name}': the child runs completed before the suspension could not be read ({ex.Message}); running it again.");
            return (false, null);
        }

        if (earlier is null)
        {
            return (false, null);
        }

        object? value = null;
        if (FlowDefinition.ResultTypeOf(flow.Method.ReturnType) is { } type)
        {
            RunResult stored;
            try
            {
                stored = await client.GetFlowRunResultAsync(earlier.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                Logger?.Write(RunLogLevel.Warning, $"Subflow '{flow.Name}': its child run '{earlier.Name}' ({earlier.Id}) completed before the suspension but kept no result; running it again.");
                return (false, null);
            }

            if (ResultSerializers.ForName(stored.Serializer, flow.ResultSerializer) is not { } reader)
            {
                Logger?.Write(RunLogLevel.Warning, $"Subflow '{flow.Name}': the result of its child run {earlier.Id} was written by the serializer '{stored.Serializer}', which this flow does not know; running it again.");
                return (false, null);
            }

            value = reader.Deserialize(stored.Value, type);
        }

        Logger?.Write(RunLogLevel.Info, $"Subflow '{flow.Name}' answered from child run '{earlier.Name}' ({earlier.Id}), completed before the run suspended: it is not run again.");
        return (true, value);
    }

    /// <summary>Creates a run of the deployment, linked to this run; waits for it to end unless <paramref name="timeout"/> is zero.</summary>
    public async Task<FlowRun> RunDeploymentAsync(string name, JsonObject? parameters, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(FlowContext.Current.CancellationToken, cancellationToken);
        // Created as this run's child, which is all a run's own token may create.
        var run = await client.CreateDeploymentChildRunAsync(parentId, new DeploymentRunCreate(name, parameters), stopping.Token).ConfigureAwait(false);
        var deadline = timeout is { } limit ? timeProvider.GetUtcNow() + limit : DateTimeOffset.MaxValue;
        while (!run.State.Type.IsTerminal() && timeProvider.GetUtcNow() < deadline)
        {
            await Task.Delay(PollInterval, timeProvider, stopping.Token).ConfigureAwait(false);
            run = await client.GetFlowRunAsync(run.Id, stopping.Token).ConfigureAwait(false);
        }

        return run;
    }

    /// <summary>A completed run's result as <typeparamref name="T"/>; default when the flow returned nothing.</summary>
    public async Task<T?> ResultOfAsync<T>(FlowRun run, CancellationToken cancellationToken)
    {
        try
        {
            var result = await client.GetFlowRunResultAsync(run.Id, cancellationToken).ConfigureAwait(false);
            var serializer = ResultSerializers.ForName(result.Serializer)
                ?? throw new InvalidOperationException($"The result of flow run {run.Id} was written by the serializer '{result.Serializer}', which only its own flow knows: read it with that serializer.");
            return (T?)serializer.Deserialize(result.Value, typeof(T));
        }
        catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return default;
        }
    }
}
