namespace Bosun.Sdk;

public sealed partial class FlowDefinition
{
    /// <summary>
    /// Serves the flow: registers a deployment with no work pool, then polls for its runs and executes each (in a
    /// child process of this executable, or in this process) until <paramref name="cancellationToken"/> fires or the
    /// process is stopped (Ctrl+C, SIGTERM). On shutdown it pauses the deployment (see
    /// <see cref="ServeOptions.PauseOnShutdown"/>) and leaves no run RUNNING.
    /// </summary>
    /// <param name="name">The deployment's name; it is addressed as <c>flow/name</c>.</param>
    /// <param name="options">Limits, mode and deployment settings.</param>
    /// <param name="cancellationToken">Stops serving.</param>
    public async Task ServeAsync(string name, ServeOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ServeOptions();
        var server = new FlowServer(this, name, options);
        await using (server.ConfigureAwait(false))
        {
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
