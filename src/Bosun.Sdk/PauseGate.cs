using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;

namespace Bosun.Sdk;

/// <summary>
/// A flow run's pauses (<see cref="FlowContext.PauseAsync{T}"/>): the run moves to PAUSED with the input it asks for, and
/// the flow waits — its process alive, heartbeating — until the run is resumed (RUNNING again, with the input), cancelled
/// (the run's token fires), or the timeout passes (the flow gets a <see cref="TimeoutException"/> and the run fails; the
/// server fails it too, should this process be gone). A run resumed while its limits are full waits PAUSED for a slot.
/// </summary>
internal sealed class PauseGate(Guid runId, BosunClient client, TimeProvider timeProvider)
{
    /// <summary>How often a paused run is read to notice its resume.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public async Task<JsonObject?> PauseAsync(JsonObject? inputSchema, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var paused = await client.PauseFlowRunAsync(runId, new FlowRunPause(inputSchema, timeout.TotalSeconds), cancellationToken).ConfigureAwait(false);
        if (paused.Status != SetStateStatus.Accept)
        {
            throw new InvalidOperationException($"The run could not pause: {paused.Reason}");
        }

        var deadline = timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            await Task.Delay(PollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            var run = await client.GetFlowRunAsync(runId, cancellationToken).ConfigureAwait(false);
            switch (run.State.Type)
            {
                case StateType.Running:
                    return run.ResumeInput;
                case StateType.Paused when run.State.Name == StateNames.AwaitingConcurrencySlot:
                    // Resumed while its limits were full: the server moves it to RUNNING once a slot frees; the pause is over.
                    deadline = DateTimeOffset.MaxValue;
                    continue;
                case StateType.Failed when run.State.Name == StateNames.TimedOut:
                    throw new TimeoutException($"The run was not resumed within {timeout}: {run.State.Message}");
                case StateType.Paused when timeProvider.GetUtcNow() >= deadline:
                    throw new TimeoutException($"The run was not resumed within {timeout}.");
                case StateType.Paused or StateType.Cancelling or StateType.Cancelled:
                    // Cancelled: the run's token fires within a moment (the host watches the state) and ends this wait.
                    continue;
                default:
                    throw new InvalidOperationException($"The paused run became {run.State.Type.ToWireName()} ({run.State.Message}) instead of being resumed.");
            }
        }
    }
}
