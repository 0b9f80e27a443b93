using System.Runtime.InteropServices;

namespace Bosun.Sdk;

/// <summary>SIGTERM (how a worker cancels or shuts down a run's process) and SIGINT (Ctrl-C) as a cancellation.</summary>
internal sealed class StopSignals : IDisposable
{
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;

    /// <summary>Until disposed, SIGTERM and SIGINT cancel <paramref name="stop"/> instead of ending the process.</summary>
    public StopSignals(CancellationTokenSource stop)
    {
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Cancel(context, stop));
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Cancel(context, stop));
    }

    public void Dispose()
    {
        _sigterm.Dispose();
        _sigint.Dispose();
    }

    private static void Cancel(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
