using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Sdk;

/// <summary>
/// A serving process (spec §7): long-polls for its deployment's runs and executes each within a limit, in a child
/// process of the same executable (default) or in this process; stops what it started when a run is cancelled.
/// </summary>
internal sealed partial class FlowServer : IAsyncDisposable
{
    private readonly FlowDefinition _flow;
    private readonly string _name;
    private readonly ServeOptions _options;
    private readonly BosunClient _client;
    private readonly BosunClient? _ownClient;
    private readonly LogShipper _logs;
    private readonly TextWriter _output;
    private readonly ConcurrentDictionary<Guid, Execution> _running = new();
    private readonly SemaphoreSlim _slotFreed = new(0);
    private readonly string _processName = $"serve-{Environment.MachineName}-{Environment.ProcessId}";

    public FlowServer(FlowDefinition flow, string name, ServeOptions options)
    {
        _flow = flow;
        _name = name;
        _options = options;
        _ownClient = options.Client is null ? new BosunClient(BosunClientOptions.FromEnvironment()) : null;
        _client = options.Client ?? _ownClient!;
        _logs = new LogShipper(_client, TimeProvider.System, NullLogger<LogShipper>.Instance);
        _output = options.Output ?? Console.Out;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = new StopSignals(stopping);

        var parameters = _flow.DefaultParameters();
        foreach (var (key, value) in _options.Parameters ?? [])
        {
            parameters[key] = value?.DeepClone();
        }

        var deployment = await _client.UpsertDeploymentAsync(new DeploymentUpsert(
            _flow.Name, _name, ExecutableCommand.CommandLine(), parameters, _flow.ParameterSchema,
            Tags: _options.Tags.ToList(), Description: _options.Description ?? _flow.Attribute.Description,
            Version: _options.Version ?? _flow.Attribute.Version, ConcurrencyLimit: _options.ConcurrencyLimit,
            CollisionStrategy: _options.CollisionStrategy, Retries: _flow.Attribute.Retries, RetryDelaySeconds: _flow.Attribute.RetryDelaySeconds), cancellationToken).ConfigureAwait(false);
        await _output.WriteLineAsync($"Your flow '{_flow.Name}' is being served and polling for scheduled runs!").ConfigureAwait(false);
        await _output.WriteLineAsync($"To trigger a run for this flow, use: bosun deployment run '{deployment.FullName}'").ConfigureAwait(false);

        _logs.Start();
        using var watchers = new CancellationTokenSource();
        var cancellations = CancellationLoopAsync(deployment.Id, watchers.Token);
        try
        {
            await ClaimLoopAsync(deployment.Id, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }

        await ShutDownAsync(deployment.Id).ConfigureAwait(false);
        await watchers.CancelAsync().ConfigureAwait(false);
        await cancellations.ConfigureAwait(false);
    }

    private async Task ClaimLoopAsync(Guid deploymentId, CancellationToken stopping)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested)
        {
            var capacity = _options.Limit - _running.Count;
            if (capacity <= 0)
            {
                await _slotFreed.WaitAsync(stopping).ConfigureAwait(false);
                continue;
            }

            ServedClaimResponse claim;
            try
            {
                claim = await _client.ClaimServedFlowRunsAsync(
                    new ServedClaimRequest(_processName, [deploymentId], capacity, WaitSeconds: _options.PollWait.TotalSeconds), stopping).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (BosunServerUnreachableException ex)
            {
                await _output.WriteLineAsync($"Cannot reach the Bosun server ({ex.Message}); retrying in {backoff.TotalSeconds:0} s.").ConfigureAwait(false);
                await Task.Delay(backoff, stopping).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(Math.Min(30, backoff.TotalSeconds * 2));
                continue;
            }

            foreach (var run in claim.Runs)
            {
                var execution = new Execution();
                _running[run.FlowRun.Id] = execution;
                execution.Task = Task.Run(async () =>
                {
                    try
                    {
                        await ExecuteAsync(run.FlowRun, execution).ConfigureAwait(false);
                    }
                    finally
                    {
                        _running.TryRemove(run.FlowRun.Id, out _);
                        _slotFreed.Release();
                    }
                }, CancellationToken.None);
            }
        }
    }

    private async Task ExecuteAsync(FlowRun run, Execution execution)
    {
        try
        {
            if (_options.InProcess)
            {
                var host = new FlowRunHost(_client, _logs, TimeProvider.System) { ReportsCancellation = true };
                await host.RunAsync(run, _flow, execution.Stop.Token).ConfigureAwait(false);
            }
            else
            {
                await RunChildAsync(run, execution).ConfigureAwait(false);
            }

            if (execution.StopReason == StopReason.Shutdown && !(await _client.GetFlowRunAsync(run.Id).ConfigureAwait(false)).State.Type.IsTerminal())
            {
                await Propose(run.Id, new StateProposal(StateType.Crashed, Message: "the serving process shut down before the run finished")).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
        {
            await _output.WriteLineAsync($"Flow run '{run.Name}': {ex.Message}").ConfigureAwait(false);
        }
        finally
        {
            await _logs.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task RunChildAsync(FlowRun run, Execution execution)
    {
        var command = ExecutableCommand.Arguments();
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[FlowRunEntryPoint.RunIdVariable] = run.Id.ToString();
        // The child gets a token scoped to its run (when the server requires keys), not this process's key.
        if ((await _client.IssueRunTokenAsync(run.Id).ConfigureAwait(false)).Token is { } token)
        {
            info.Environment["BOSUN_API_KEY"] = token;
        }
        else
        {
            info.Environment.Remove("BOSUN_API_KEY");
        }

        info.Environment["BOSUN_API_URL"] = _client.ApiUrl.ToString().TrimEnd('/');
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Ship(run.Id, e.Data, RunLogLevel.Info);
        process.ErrorDataReceived += (_, e) => Ship(run.Id, e.Data, RunLogLevel.Error);
        await Propose(run.Id, new StateProposal(StateType.Pending, StateNames.Submitting)).ConfigureAwait(false);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await _client.SetFlowRunInfrastructureAsync(run.Id, process.Id.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);

        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(Timeout.Infinite, execution.Stop.Token).ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false) != exited)
        {
            // SIGTERM lets the flow see its cancellation token; a process that ignores it is killed after the grace period.
            _ = Signal.Send(process.Id, Signal.SigTerm);
            if (await Task.WhenAny(exited, Task.Delay(_options.ShutdownGracePeriod)).ConfigureAwait(false) != exited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await exited.ConfigureAwait(false);
        var state = (await _client.GetFlowRunAsync(run.Id).ConfigureAwait(false)).State.Type;
        if (execution.StopReason == StopReason.Cancelled && state == StateType.Cancelling)
        {
            await Propose(run.Id, new StateProposal(StateType.Cancelled, Message: "cancelled: its process was stopped")).ConfigureAwait(false);
        }
        else if (execution.StopReason != StopReason.Shutdown && !state.IsTerminal())
        {
            await Propose(run.Id, new StateProposal(StateType.Crashed, Message: new InfrastructureExit(process.ExitCode).Explain())).ConfigureAwait(false);
        }
    }

    private void Ship(Guid runId, string? line, RunLogLevel level)
    {
        if (line is not null)
        {
            _logs.Add(runId, level, line, LogSource.Infrastructure);
        }
    }

    private async Task CancellationLoopAsync(Guid deploymentId, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
                if (_running.IsEmpty || _options.InProcess)
                {
                    // In-process runs watch their own state (FlowRunHost); child processes are stopped from here.
                    continue;
                }

                var cancelling = await _client.ListFlowRunsAsync(new FlowRunFilter(States: [StateType.Cancelling], DeploymentId: deploymentId, Limit: 500), stop).ConfigureAwait(false);
                foreach (var run in cancelling.Items)
                {
                    if (_running.TryGetValue(run.Id, out var execution))
                    {
                        execution.RequestStop(StopReason.Cancelled);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
            {
                // Looked at again on the next pass.
            }
        }
    }

    private async Task ShutDownAsync(Guid deploymentId)
    {
        if (_options.PauseOnShutdown)
        {
            try
            {
                await _client.PauseDeploymentAsync(deploymentId).ConfigureAwait(false);
                await _output.WriteLineAsync($"Paused deployment '{_flow.Name}/{_name}'.").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
            {
                await _output.WriteLineAsync($"Could not pause the deployment: {ex.Message}").ConfigureAwait(false);
            }
        }

        var all = Task.WhenAll(_running.Values.Select(e => e.Task));
        if (!_running.IsEmpty && await Task.WhenAny(all, Task.Delay(_options.ShutdownGracePeriod)).ConfigureAwait(false) != all)
        {
            foreach (var execution in _running.Values)
            {
                execution.RequestStop(StopReason.Shutdown);
            }
        }

        await all.ConfigureAwait(false);
    }

    private Task<SetStateResult> Propose(Guid runId, StateProposal proposal) => _client.SetFlowRunStateAsync(runId, proposal);

    public async ValueTask DisposeAsync()
    {
        await _logs.DisposeAsync().ConfigureAwait(false);
        _ownClient?.Dispose();
        _slotFreed.Dispose();
        foreach (var execution in _running.Values)
        {
            execution.Stop.Dispose();
        }
    }

    private enum StopReason
    {
        None,
        Cancelled,
        Shutdown,
    }

    private sealed class Execution
    {
        public Task Task { get; set; } = Task.CompletedTask;

        public CancellationTokenSource Stop { get; } = new();

        public StopReason StopReason { get; private set; }

        public void RequestStop(StopReason reason)
        {
            if (StopReason == StopReason.None)
            {
                StopReason = reason;
                Stop.Cancel();
            }
        }
    }

    private static partial class Signal
    {
        public const int SigTerm = 15;

        public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

        [LibraryImport("libc", EntryPoint = "kill")]
        private static partial int Kill(int pid, int signal);
    }
}
