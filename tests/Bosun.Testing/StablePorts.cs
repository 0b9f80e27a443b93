using System.Net;
using System.Net.Sockets;

namespace Bosun.Testing;

/// <summary>
/// Ports for servers that tests stop and start again on the same port. A port from the kernel's ephemeral range
/// (32768–60999 here; what binding port 0 hands out) may be given to any outgoing connection while the server is away,
/// and the restart then fails with "address already in use". These come from below that range, which the kernel never
/// hands out by itself; each test process takes its own block, so two suites running at once do not pick the same.
/// </summary>
public static class StablePorts
{
    private const int First = 20_000;
    private const int BlockSize = 500;
    private const int Blocks = 24;
    private static readonly int Block = Environment.ProcessId % Blocks;
    private static int _next = Random.Shared.Next(BlockSize);

    /// <summary>A port below the ephemeral range that nothing listens on now.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < BlockSize; attempt++)
        {
            var port = First + (Block * BlockSize) + (Interlocked.Increment(ref _next) % BlockSize);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free port in {First + (Block * BlockSize)}–{First + ((Block + 1) * BlockSize) - 1}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
