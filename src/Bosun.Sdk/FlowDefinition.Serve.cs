using Bosun.Client;
using Bosun.Contracts.Deployments;
using Bosun.Worker;
using Bosun.Worker.Infrastructure;
using Bosun.Worker.Runtime;
using Microsoft.Extensions.Logging;

namespace Bosun.Sdk;

public sealed partial class FlowDefinition
{
    /// <summary>
    /// How far ahead of its due time a flow served in-process takes a run: half a second, so that the claims of runs due
    /// at whole seconds (cron and interval schedules, and most times people type) land half-way between them, not on the
    /// second where other runs start and the server is busiest deciding their RUNNING (bench/README.md, W3).
    /// </summary>
    internal static readonly TimeSpan InProcessPrefetch = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Serves the flow: registers a deployment with no work pool, then polls for its runs and executes each (in a
    /// child process of this executable, or in this process) until <paramref name="cancellationToken"/> fires or the
    /// process is stopped (Ctrl+C, SIGTERM). Serving is the worker's runtime over this deployment: a stop drains (running
    /// runs get <see cref="ServeOptions.ShutdownGracePeriod"/>, a second signal stops them at once), server outages are
    /// ridden out, and on shutdown the deployment is paused (see <see cref="ServeOptions.PauseOnShutdown"/>), leaving
    /// no run RUNNING.
    /// </summary>
    /// <param name="name">The deployment's name; it is addressed as <c>flow/name</c>.</param>
    /// <param name="options">Limits, mode and deployment settings.</param>
    /// <param name="cancellationToken">Stops serving (a drain, as the first signal does).</param>
    public async Task ServeAsync(string name, ServeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ServeOptions();
        var output = options.Output ?? Console.Out;
        using var ownLogging = options.LoggerFactory is null ? SdkLogging.CreateConsoleFactory() : null;
        var loggerFactory = options.LoggerFactory ?? ownLogging!;
        using var ownClient = options.Client is null ? new BosunClient(ClientOptions(options, loggerFactory)) : null;
        var client = options.Client ?? ownClient!;
        using var signals = new ShutdownSignals();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals.Stopping);

        var parameters = DefaultParameters();
        foreach (var (key, value) in options.Parameters ?? [])
        {
            parameters[key] = value?.DeepClone();
        }

        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert(
            Name, name, ExecutableCommand.CommandLine(), parameters, ParameterSchema,
            Tags: options.Tags.ToList(), Description: options.Description ?? Attribute.Description,
            Version: options.Version ?? Attribute.Version, ConcurrencyLimit: options.ConcurrencyLimit,
            CollisionStrategy: options.CollisionStrategy, Retries: Attribute.Retries, RetryDelaySeconds: Attribute.RetryDelaySeconds,
            TimeoutSeconds: Attribute.TimeoutSeconds > 0 ? Attribute.TimeoutSeconds : null), stopping.Token).ConfigureAwait(false);
        await output.WriteLineAsync($"Your flow '{Name}' is being served and polling for scheduled runs!").ConfigureAwait(false);
        await output.WriteLineAsync($"To trigger a run for this flow, use: bosun deployment run '{deployment.FullName}'").ConfigureAwait(false);

        var processName = $"serve-{Environment.MachineName}-{Environment.ProcessId}";
        var runtimeOptions = new WorkerOptions
        {
            Name = processName,
            Limit = options.Limit,
            ClaimWait = options.PollWait,
            DrainGracePeriod = options.ShutdownGracePeriod,
            StopGracePeriod = options.ShutdownGracePeriod,
            CancellationPollInterval = TimeSpan.FromSeconds(1),
            OutageRetryWindow = options.OutageRetryWindow,
        };
        if (options.InProcess)
        {
            // In-process there is no infrastructure to start ahead: a run is taken at most InProcessPrefetch before its due
            // time (the server answers the waiting claim then), so a run not yet due holds a slot that a run due now needs
            // for half a second at most, not for a worker's ten. Taken that little ahead, it still starts on its time: its
            // RUNNING proposal is held by the server and answered at the due time. (A process per run is taken as far
            // ahead as by a worker, so that its process has started by then.)
            runtimeOptions.Prefetch = InProcessPrefetch;
        }

        var time = TimeProvider.System;
        var logs = new LogShipper(client, time, loggerFactory.CreateLogger<LogShipper>());
        await using (logs.ConfigureAwait(false))
        {
            FlowRunInfrastructure launcher = options.InProcess
                ? new InProcessInfrastructure(this, client, logs, time)
                : Infrastructures.For(Contracts.WorkPools.WorkPoolTypes.Process);
            var source = new ServedDeploymentsClaimSource(client, [deployment.Id], processName, runtimeOptions) { InProcessInfrastructureId = launcher.InProcessId };
            using var runtime = new WorkerRuntime(source,
                launcher, client, logs, runtimeOptions, time, loggerFactory.CreateLogger("Bosun.Serve"));
            if (launcher is InProcessInfrastructure inProcess)
            {
                // A full process sends its ending runs' states with the claim for the slots they free.
                inProcess.States.Carrier = runtime.TryCarryFinalStatesAsync;
            }

            await runtime.RunAsync(stopping.Token, signals.StoppingNow).ConfigureAwait(false);
        }

        if (options.PauseOnShutdown)
        {
            await PauseOnShutdownAsync(client, deployment, output, signals.StoppingNow).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How long a stopping serving process tries to pause its deployment while the server does not answer, before it
    /// exits without: the server's outage must not keep a stopped process for the client's whole retry window.
    /// </summary>
    internal static readonly TimeSpan PauseOnShutdownWait = TimeSpan.FromSeconds(10);

    private static async Task PauseOnShutdownAsync(BosunClient client, Deployment deployment, TextWriter output, CancellationToken stopNow)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stopNow);
        bounded.CancelAfter(PauseOnShutdownWait);
        try
        {
            await client.PauseDeploymentAsync(deployment.Id, bounded.Token).ConfigureAwait(false);
            await output.WriteLineAsync($"Paused deployment '{deployment.FullName}'.").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BosunApiException or BosunServerUnreachableException)
        {
            await output.WriteLineAsync($"Could not pause deployment '{deployment.FullName}': {ex.Message}").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested)
        {
            var why = stopNow.IsCancellationRequested ? "stopped at once by a second signal" : $"the server did not answer within {PauseOnShutdownWait.TotalSeconds:0} s";
            await output.WriteLineAsync(
                $"Could not pause deployment '{deployment.FullName}' ({why}): its schedules stay active; pause it with: bosun deployment pause '{deployment.FullName}'").ConfigureAwait(false);
        }
    }

    private static BosunClientOptions ClientOptions(ServeOptions options, ILoggerFactory loggerFactory)
    {
        var clientOptions = BosunClientOptions.FromEnvironment();
        clientOptions.OutageRetryWindow = options.OutageRetryWindow;
        clientOptions.Logger = loggerFactory.CreateLogger("Bosun.Client");
        return clientOptions;
    }
}
