using Bosun.Client;
using Bosun.Contracts.States;
using Bosun.Worker.Infrastructure;

namespace Bosun.Sdk;

/// <summary>Serve's in-process launcher: each run is a <see cref="FlowRunHost"/> in this process, stopped by cancelling its token.</summary>
internal sealed class InProcessInfrastructure(FlowDefinition flow, BosunClient client, LogShipper logs, TimeProvider timeProvider) : FlowRunInfrastructure
{
    public override string Type => "in-process";

    /// <summary>Nothing to create: a run is claimed at most half a second ahead (its RUNNING is held by the server until its time) and starts at once.</summary>
    public override TimeSpan StartLead => TimeSpan.MaxValue;

    /// <summary>The run reports with this process's client: no token of its own to ask for.</summary>
    public override bool TakesRunToken => false;

    public override string InProcessId { get; } = $"in-process-{Environment.ProcessId}";

    /// <summary>
    /// One for the process: the final states of runs that end together go in one request, or with serve's claim for the
    /// slots they free (<see cref="StateBatcher.Carrier"/>).
    /// </summary>
    internal StateBatcher States { get; } = new(client);

    public override Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var host = new FlowRunHost(client, logs, timeProvider) { HeartbeatAtStart = false, States = States, StartedByClaim = job.Claim.FlowRun.State.Type == StateType.Running };
        return Task.FromResult<InfrastructureHandle>(new Handle(InProcessId, host, job, flow));
    }

    private sealed class Handle : InfrastructureHandle
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private volatile bool _completed;

        public Handle(string id, FlowRunHost host, JobContext job, FlowDefinition flow)
        {
            Id = id;
            _run = Task.Run(async () => _completed = await host.RunAsync(job.Claim.FlowRun, flow, _stop.Token).ConfigureAwait(false) == FlowRunOutcome.Completed);
        }

        public override string Id { get; }

        /// <summary>COMPLETED once the flow's COMPLETED was accepted (<see cref="FlowRunOutcome.Completed"/> says no less).</summary>
        public override StateType? AcceptedFinalState => _completed ? StateType.Completed : null;

        public override async Task<InfrastructureExit> WaitForExitAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _run.WaitAsync(cancellationToken).ConfigureAwait(false);
                return new InfrastructureExit(0);
            }
            catch (BosunServerUnreachableException)
            {
                return new InfrastructureExit(InfrastructureExit.ServerUnreachableCode);
            }
            catch (Exception ex) when (ex is BosunApiException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return new InfrastructureExit(1);
            }
        }

        public override async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await _run.WaitAsync(grace, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A flow that ignores its token cannot be killed inside this process; it is left to finish on its own.
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // How it ended is read by WaitForExitAsync.
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_run.IsCompleted)
            {
                _stop.Dispose();
            }
        }
    }
}
