using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;

namespace Bosun.Sdk;

/// <summary>
/// A flow run's suspensions (<see cref="FlowContext.SuspendAsync{T}"/>): the run's task runs are sent, the run moves to
/// PAUSED "Suspended" with the input it asks for, and the flow unwinds (<see cref="FlowRunSuspendedException"/>) so that its
/// process exits and its infrastructure is released. A resume schedules the run again; the flow re-runs from the start,
/// its completed task runs replayed (<see cref="TaskReplay"/>), and the same suspension returns the input it was resumed with.
/// </summary>
internal sealed class SuspendGate(Guid runId, BosunClient client, JsonObject? inputs, bool topLevel, Func<CancellationToken, Task<bool>> sendTaskRuns, RunLogger logger)
{
    private int _count;

    public async Task<JsonObject?> SuspendAsync(JsonObject? inputSchema, TimeSpan timeout, string? key, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        key ??= $"suspend-{Interlocked.Increment(ref _count)}";
        if (inputs is not null && inputs.TryGetPropertyValue(key, out var input))
        {
            logger.Write(RunLogLevel.Info, $"Suspension '{key}' was resumed: the flow goes on with its input.");
            return input as JsonObject ?? [];
        }

        if (!topLevel)
        {
            throw new InvalidOperationException(
                "SuspendAsync suspends a flow run whose process can exit; a subflow runs in its parent's process: suspend the parent, or use PauseAsync.");
        }

        // Everything the re-run will replay is on the server before the run can be resumed.
        if (!await sendTaskRuns(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The run could not suspend: its task runs could not be recorded (the server is away); a re-run would not find them.");
        }

        var paused = await client.PauseFlowRunAsync(runId, new FlowRunPause(inputSchema, timeout.TotalSeconds) { Suspend = true, Key = key }, cancellationToken).ConfigureAwait(false);
        if (paused.Status != SetStateStatus.Accept)
        {
            throw new InvalidOperationException($"The run could not suspend: {paused.Reason}");
        }

        logger.Write(RunLogLevel.Info, $"Suspended ('{key}', for at most {timeout}): this process exits; a resume runs the flow again from the start.");
        throw new FlowRunSuspendedException(runId, key);
    }
}
