using System.Reflection;
using Bosun.Client;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Microsoft.Extensions.Logging.Abstractions;

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
    /// When <c>BOSUN_FLOW_RUN_ID</c> is set, runs that flow run (found among the flows of <paramref name="assemblies"/>,
    /// default the entry assembly) and returns the process exit code: 0 whatever the flow did (its state says that),
    /// non-zero only when the entry point itself failed. Returns null when the variable is not set.
    /// </summary>
    public static async Task<int?> TryRunAsync(Assembly[]? assemblies = null, CancellationToken cancellationToken = default)
    {
        var value = Environment.GetEnvironmentVariable(RunIdVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Guid.TryParse(value, out var runId))
        {
            await Console.Error.WriteLineAsync($"Bosun: {RunIdVariable}='{value}' is not a flow run id.").ConfigureAwait(false);
            return 2;
        }

        assemblies ??= [Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("No entry assembly: pass the assemblies that hold the flows.")];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A worker stops a run's process with SIGTERM (cancellation, shutdown): let the flow see its token fire.
        using var signals = new StopSignals(stop);
        using var client = new BosunClient(BosunClientOptions.FromEnvironment());
        var logs = new LogShipper(client, TimeProvider.System, NullLogger<LogShipper>.Instance);
        await using (logs.ConfigureAwait(false))
        {
            logs.Start();
            try
            {
                var run = await client.GetFlowRunAsync(runId, stop.Token).ConfigureAwait(false);
                var flow = Flows.Find(run.FlowName, assemblies);
                if (flow is null)
                {
                    var message = $"flow '{run.FlowName}' is not in {string.Join(", ", assemblies.Select(a => a.GetName().Name))}: this executable cannot run it";
                    logs.Add(runId, RunLogLevel.Critical, $"Bosun entry point: {message}.", LogSource.Flow);
                    await client.SetFlowRunStateAsync(runId, new StateProposal(StateType.Crashed, Message: message), CancellationToken.None).ConfigureAwait(false);
                    await Console.Error.WriteLineAsync($"Bosun: {message}.").ConfigureAwait(false);
                    return 1;
                }

                await new FlowRunHost(client, logs, TimeProvider.System).RunAsync(run, flow, stop.Token).ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
            {
                await Console.Error.WriteLineAsync($"Bosun: flow run {runId} could not be executed: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        }
    }
}
