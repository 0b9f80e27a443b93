using System.Net;
using System.Net.Sockets;

namespace Bosun.Testing;

/// <summary>
/// Ports for the servers tests start on a port of their own, among them servers stopped and started again on the same port.
/// A port from the kernel's ephemeral range (32768–60999 here; what binding port 0 hands out) may be given to any
/// outgoing connection while the server is away, and the restart then fails with "address already in use". These come
/// from below that range, which the kernel never hands out by itself.
/// </summary>
/// <remarks>
/// Each test process holds a block of its own, under an exclusive lock on a file in the temporary folder, so that the
/// suites running at once (scripts/test.sh runs two) never hand out the same port: a port checked free and then bound a
/// moment later by another process's server was how a restart lost its port (CatchUpOutageTests, CI of e2237f0). Within
/// the process, ports are handed out in turn, so a stopped server's port comes round again only after the block's other
/// 999.
/// </remarks>
public static class StablePorts
{
    private const int First = 20_000;
    private const int BlockSize = 1_000;
    private const int Blocks = 12;
    private static readonly Lazy<int> Block = new(TakeBlock);
    private static int _next = Random.Shared.Next(BlockSize);

    // Held for the life of the process: the kernel lets the lock go when the process ends, however it ends.
    private static FileStream? _blockLock;

    /// <summary>A port below the ephemeral range that nothing listens on now, and that no other test process hands out.</summary>
    public static int Next()
    {
        var first = First + (Block.Value * BlockSize);
        for (var attempt = 0; attempt < BlockSize; attempt++)
        {
            var port = first + (Interlocked.Increment(ref _next) % BlockSize);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free port in {first}–{first + BlockSize - 1}.");
    }

    private static int TakeBlock()
    {
        var directory = Path.Combine(Path.GetTempPath(), "bosun-test-ports");
        Directory.CreateDirectory(directory);
        var start = Environment.ProcessId % Blocks;
        for (var i = 0; i < Blocks; i++)
        {
            var block = (start + i) % Blocks;
            try
            {
                _blockLock = new FileStream(Path.Combine(directory, $"block-{block}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return block;
            }
            catch (IOException)
            {
                // Another test process holds this block.
            }
        }

        throw new InvalidOperationException($"All {Blocks} port blocks under {directory} are held by other test processes.");
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
