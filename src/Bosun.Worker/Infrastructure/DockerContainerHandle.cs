using System.Buffers;
using System.Net;
using System.Text;
using Bosun.Contracts.States;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Bosun.Worker.Infrastructure;

/// <summary>One flow run's container: its output streamed to the run's logs, its exit code from the wait result.</summary>
internal sealed class DockerContainerHandle : InfrastructureHandle
{
    private readonly DockerClient _docker;
    private readonly MultiplexedStream? _output;
    private readonly ContainerExitWatch? _exitWatch;
    private readonly CancellationTokenSource _pumpStop = new();
    private readonly Task _pump;
    private volatile bool _exited;

    public DockerContainerHandle(DockerClient docker, string id, MultiplexedStream? output, Action<string, bool> lines, ContainerExitWatch? exitWatch)
    {
        _docker = docker;
        Id = id;
        _output = output;
        _exitWatch = exitWatch;
        _pump = output is null ? Task.CompletedTask : PumpAsync(output, lines, _pumpStop.Token);
    }

    /// <summary>The container id, recorded as the run's infrastructure id.</summary>
    public override string Id { get; }

    public override async Task<InfrastructureExit> WaitForExitAsync(CancellationToken cancellationToken)
    {
        int? code;
        try
        {
            var result = await _docker.Containers.WaitContainerAsync(Id, cancellationToken).ConfigureAwait(false);
            code = (int)result.StatusCode;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Removed before the wait reached the daemon (auto_remove): only its die event can still tell the code.
            code = _exitWatch is null ? null : await _exitWatch.ExitCodeAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        _exited = true;
        // The attach stream ends with the container; the last lines are shipped before the exit is reported.
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The daemon kept the stream open after the exit: report the exit anyway; DisposeAsync closes the stream.
        }
        return code is { } exitCode ? new InfrastructureExit(exitCode) : InfrastructureExit.Unknown;
    }

    /// <summary>docker stop (SIGTERM, then SIGKILL after <paramref name="grace"/> on the daemon's side); a kill if it still runs.</summary>
    public override async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Containers.StopContainerAsync(Id,
                new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(grace.TotalSeconds) }, cancellationToken).ConfigureAwait(false);
            var state = await _docker.Containers.InspectContainerAsync(Id, cancellationToken).ConfigureAwait(false);
            if (state.State.Running)
            {
                await KillAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_exited)
        {
            // The worker gave up on the run (an error after the start, or a shutdown without drain): leave nothing running.
            try
            {
                await KillAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
            {
                // Already stopped or gone.
            }
        }

        await _pumpStop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped above.
        }

        _output?.Dispose();
        _exitWatch?.Dispose();
        _pumpStop.Dispose();
    }

    private Task KillAsync(CancellationToken cancellationToken) =>
        _docker.Containers.KillContainerAsync(Id, new ContainerKillParameters { Signal = "KILL" }, cancellationToken);

    /// <summary>Reads the demultiplexed stdout/stderr and hands each complete UTF-8 line to <paramref name="lines"/>.</summary>
    private static async Task PumpAsync(MultiplexedStream output, Action<string, bool> lines, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var stdout = new LineBuffer(line => lines(line, false));
        var stderr = new LineBuffer(line => lines(line, true));
        try
        {
            while (true)
            {
                var read = await output.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF)
                {
                    break;
                }

                (read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout).Append(buffer.AsSpan(0, read.Count));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or HttpRequestException)
        {
            // The connection closed with the container.
        }
        finally
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    /// <summary>Bytes in, lines out; a multi-byte character split across reads is decoded whole.</summary>
    private sealed class LineBuffer(Action<string> emit)
    {
        private readonly ArrayBufferWriter<byte> _pending = new();

        public void Append(ReadOnlySpan<byte> bytes)
        {
            while (bytes.Length > 0)
            {
                var newline = bytes.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    _pending.Write(bytes);
                    return;
                }

                _pending.Write(bytes[..newline]);
                bytes = bytes[(newline + 1)..];
                Flush();
            }
        }

        public void Flush()
        {
            if (_pending.WrittenCount == 0)
            {
                return;
            }

            var line = Encoding.UTF8.GetString(_pending.WrittenSpan).TrimEnd('\r');
            _pending.Clear();
            emit(line);
        }
    }
}
