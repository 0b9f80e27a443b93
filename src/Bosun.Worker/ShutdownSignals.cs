using System.Runtime.InteropServices;

namespace Bosun.Worker;

/// <summary>
/// SIGINT (Ctrl+C) and SIGTERM as two cancellations instead of the end of the process: the first fires
/// <see cref="Stopping"/> (stop claiming, drain; a flow-run process stops its flow), a second fires
/// <see cref="StoppingNow"/> (stop the runs at once), and a third ends the process as the signal would have. The one
/// signal helper of <c>worker start</c>, <c>serve</c>, the flow-run entry point and the CLI.
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stoppingNow = new();
    private readonly PosixSignalRegistration _sigterm;
    private readonly PosixSignalRegistration _sigint;
    private int _received;

    /// <summary>Until disposed, SIGTERM and SIGINT cancel the tokens instead of ending the process.</summary>
    public ShutdownSignals()
    {
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
    }

    /// <summary>Fires on the first signal.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Fires on the second signal.</summary>
    public CancellationToken StoppingNow => _stoppingNow.Token;

    /// <summary>The first signal received, or null.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>The shell's exit code for the first signal: 130 for SIGINT, 143 for SIGTERM, 0 when none came.</summary>
    public int ExitCode => Signal switch
    {
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGTERM => 143,
        _ => 0,
    };

    public void Dispose()
    {
        _sigterm.Dispose();
        _sigint.Dispose();
        _stopping.Dispose();
        _stoppingNow.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        switch (Interlocked.Increment(ref _received))
        {
            case 1:
                context.Cancel = true;
                Signal = context.Signal;
                _stopping.Cancel();
                break;
            case 2:
                context.Cancel = true;
                _stoppingNow.Cancel();
                break;
            default:
                // Whatever is still running does not answer: let the signal end the process.
                break;
        }
    }
}
