using System.Reflection;
using Bosun.Client;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Worker;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

/// <summary>
/// Makes the user's executable the flow-run entry point: started by a worker or a serving process with
/// <c>BOSUN_FLOW_RUN_ID</c> set, it runs that flow run and exits. Call it first in Main:
/// <code>if (await FlowRunEntryPoint.TryRunAsync() is { } exitCode) return exitCode;</code>
/// </summary>
public static class FlowRunEntryPoint
{
    /// <summary>The environment variable naming the run to execute.</summary>
    public const string RunIdVariable = "BOSUN_FLOW_RUN_ID";

    /// <summary>
    /// When <c>BOSUN_FLOW_RUN_ID</c> is set, runs that flow run (found in <paramref name="flows"/>, default every flow of
    /// the entry assembly) and returns the process exit code: 0 whatever the flow did (its state says that), 75 when the
    /// server stayed away longer than <c>BOSUN_SERVER_RETRY_SECONDS</c> (default 600), other non-zero codes when the entry
    /// point itself failed. Started by <c>bosun deploy</c> (<c>BOSUN_DEPLOY_FILE</c> set) instead, registers the
    /// deployments it names and returns 0, or 1 when one could not be registered. Returns null when neither is set.
    /// </summary>
    public static async Task<int?> TryRunAsync(FlowRegistry? flows = null, CancellationToken cancellationToken = default)
    {
        var value = Environment.GetEnvironmentVariable(RunIdVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            // Started by `bosun deploy`: register the deployments its bosun.yaml gives, then exit.
            return Environment.GetEnvironmentVariable(DeployFile.Variable) is { Length: > 0 } deployFile
                ? await DeployFile.RunAsync(deployFile, flows ?? EntryAssemblyFlows(), cancellationToken).ConfigureAwait(false)
                : null;
        }

        if (!Guid.TryParse(value, out var runId))
        {
            await Console.Error.WriteLineAsync($"Bosun: {RunIdVariable}='{value}' is not a flow run id.").ConfigureAwait(false);
            return 2;
        }

        flows ??= EntryAssemblyFlows();
        using var tracing = SdkTracing.StartExport();
        using var loggerFactory = SdkLogging.CreateConsoleFactory();
        var logger = loggerFactory.CreateLogger("Bosun.FlowRun");
        // A worker stops a run's process with SIGTERM (cancellation, shutdown): let the flow see its token fire.
        using var signals = new ShutdownSignals();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.Stopping);
        var clientOptions = BosunClientOptions.FromEnvironment();
        clientOptions.OutageRetryWindow = SdkLogging.OutageRetryWindowFromEnvironment();
        clientOptions.Logger = loggerFactory.CreateLogger("Bosun.Client");
        using var client = new BosunClient(clientOptions);
        var logs = new LogShipper(client, TimeProvider.System, loggerFactory.CreateLogger<LogShipper>());
        await using (logs.ConfigureAwait(false))
        {
            logs.Start();
            try
            {
                var run = await client.GetFlowRunAsync(runId, stop.Token).ConfigureAwait(false);
                var flow = flows.Find(run.FlowName);
                if (flow is null)
                {
                    var message = $"flow '{run.FlowName}' is not among this executable's flows ({string.Join(", ", flows.Names)}): it cannot run it";
                    logs.Add(runId, RunLogLevel.Critical, $"Bosun entry point: {message}.", LogSource.Flow);
                    await logs.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Crashed, Message: message, TransitionId: Guid.NewGuid()), CancellationToken.None).ConfigureAwait(false);
                    await Console.Error.WriteLineAsync($"Bosun: {message}.").ConfigureAwait(false);
                    return 1;
                }

                await new FlowRunHost(client, logs, TimeProvider.System) { Logger = logger, TraceParent = SdkTracing.ParentFromEnvironment() }.RunAsync(run, flow, stop.Token).ConfigureAwait(false);
                await logs.StopAsync(CancellationToken.None).ConfigureAwait(false);
                return 0;
            }
            catch (BosunServerUnreachableException ex)
            {
                Log.GaveUp(logger, runId, clientOptions.OutageRetryWindow, ex.Message);
                // The window is spent: the worker reports the run (exit code 75) once the server is back.
                using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await logs.StopAsync(last.Token).ConfigureAwait(false);
                return InfrastructureExit.ServerUnreachableCode;
            }
            catch (BosunApiException ex)
            {
                await Console.Error.WriteLineAsync($"Bosun: flow run {runId} could not be executed: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped before the flow began: the worker reports how the run ended.
                return 0;
            }
        }
    }

    private static FlowRegistry EntryAssemblyFlows() =>
        FlowRegistry.From(Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("No entry assembly: pass the flows to run."));
}
