namespace Bosun.Server.Orchestration;

/// <summary><see cref="ServerStoppingException"/> for the host's stopping token.</summary>
internal static class ServerStopping
{
    /// <summary>Throws <see cref="ServerStoppingException"/> once the server has begun to stop.</summary>
    public static void ThrowIfStopping(this CancellationToken applicationStopping)
    {
        if (applicationStopping.IsCancellationRequested)
        {
            throw new ServerStoppingException();
        }
    }
}
