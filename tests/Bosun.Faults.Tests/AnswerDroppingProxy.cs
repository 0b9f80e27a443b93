using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bosun.Faults.Tests;

/// <summary>
/// A TCP proxy in front of a test server that fails requests whose bytes contain every one of the given markers. By
/// default it loses the answer to the first one: the request reaches the server (which writes its effect), then the
/// client's connection is reset instead of receiving the answer — a server dying between commit and reply. With
/// <c>refuseUntilDisarmed</c> every such request is refused before it reaches the server (its connection reset), as if
/// the server were away for those requests, until <see cref="Disarm"/>; with <c>letFirstThrough</c> as well, the first
/// one reaches the server and only its answer is lost (the server wrote it, the client never learns), then the rest are
/// refused: a client stuck retrying something the server has already done.
/// </summary>
internal sealed class AnswerDroppingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly string[] _markers;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _armed = 1;
    private int _dropped;

    private readonly bool _refuse;
    private int _letThrough;

    public AnswerDroppingProxy(Uri target, string[] markers, bool refuseUntilDisarmed = false, bool letFirstThrough = false)
    {
        _target = target;
        _markers = markers;
        _refuse = refuseUntilDisarmed;
        _letThrough = letFirstThrough ? 1 : 0;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The API address through the proxy.</summary>
    public Uri ApiUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{_target.AbsolutePath}");

    /// <summary>How many answers were lost, or requests refused.</summary>
    public int Dropped => _dropped;

    /// <summary>Lets every request through from now on.</summary>
    public void Disarm() => Interlocked.Exchange(ref _armed, 0);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            var dropNextAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var upstream = PumpRequestsAsync(client.GetStream(), server.GetStream(), dropNextAnswer);
            var downstream = PumpAnswersAsync(server.GetStream(), client, dropNextAnswer.Task);
            await Task.WhenAny(upstream, downstream);
            if (upstream is { IsFaulted: true })
            {
                // A refused request: the client's connection fails before any answer.
                client.Client.LingerState = new LingerOption(true, 0);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side went away: so does the other.
        }
    }

    private async Task PumpRequestsAsync(NetworkStream from, NetworkStream to, TaskCompletionSource dropNextAnswer)
    {
        var buffer = new byte[16 * 1024];
        var previous = "";
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            // A request's headers and body may come in two reads: look at this read and the one before.
            var current = Encoding.UTF8.GetString(buffer, 0, read);
            var recent = previous + current;
            if (_markers.All(marker => recent.Contains(marker, StringComparison.Ordinal)))
            {
                if (_refuse && Volatile.Read(ref _armed) == 1 && Interlocked.Exchange(ref _letThrough, 0) == 1)
                {
                    dropNextAnswer.TrySetResult();
                }
                else if (_refuse && Volatile.Read(ref _armed) == 1)
                {
                    Interlocked.Increment(ref _dropped);
                    throw new IOException("refused by the proxy");
                }

                if (!_refuse && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    dropNextAnswer.TrySetResult();
                }
            }

            previous = current;
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private async Task PumpAnswersAsync(NetworkStream from, TcpClient client, Task dropNextAnswer)
    {
        var buffer = new byte[16 * 1024];
        var to = client.GetStream();
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (dropNextAnswer.IsCompleted)
            {
                Interlocked.Increment(ref _dropped);
                // A reset, not a clean close: the client sees the connection fail mid-request.
                client.Client.LingerState = new LingerOption(true, 0);
                client.Client.Close();
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
