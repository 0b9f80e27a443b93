using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>
/// Stops runs that outlive their timeout (docs/operations.md): a RUNNING run past it moves to CANCELLING "TimingOut", so
/// the flow's token fires and its worker stops the infrastructure after the grace period exactly as for a cancellation;
/// the CANCELLED that ends it becomes FAILED "TimedOut" by the state rules.
/// </summary>
internal sealed class RunTimeoutService(
    BosunDatabase database, RunSignals runSignals, TimeProvider timeProvider, IOptions<BosunServerOptions> options, ILogger<RunTimeoutService> logger, Leadership leadership, IHostApplicationLifetime lifetime)
    : PeriodicStoreService(timeProvider, options, logger, leadership, lifetime)
{
    public override async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        var stopped = await database.WriteAsync(async scope =>
        {
            var moved = new List<(Guid Id, string Name, int TimeoutSeconds)>();
            var timedOut = await FlowRunStore.TimedOutAsync(scope, now, cancellationToken);
            await FlowRunStore.LockInIdOrderAsync(scope, timedOut.Select(run => run.Id), cancellationToken);
            foreach (var run in timedOut)
            {
                var message = $"timed out: RUNNING longer than its timeout of {run.TimeoutSeconds} s";
                if (await ServerMoves.MoveAsync(scope, run.Id, new StateProposal(StateType.Cancelling, StateNames.TimingOut, message), StateType.Running, now,
                    _ => (RunLogLevel.Error, $"The run {message}: its flow is told to stop and its infrastructure is stopped."), cancellationToken) is not null)
                {
                    moved.Add(run);
                }
            }

            return moved;
        }, cancellationToken);
        foreach (var (id, name, timeout) in stopped)
        {
            Log.RunTimedOut(Logger, name, id, timeout);
        }

        ServerMoves.Notify(runSignals, stopped.Select(run => run.Id));

        return stopped.Count;
    }
}
