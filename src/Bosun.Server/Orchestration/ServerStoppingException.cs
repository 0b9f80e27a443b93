namespace Bosun.Server.Orchestration;

/// <summary>
/// The server is stopping, so a request that would wait (a long-polling claim) is answered now: 503 with Retry-After,
/// which clients retry like any outage, rather than an empty answer that a worker would follow with its next claim at
/// once, or a wait that would hold the server's shutdown.
/// </summary>
internal sealed class ServerStoppingException : Exception
{
    public ServerStoppingException()
        : base("The server is stopping; retry shortly (this server once it is back, or another replica).")
    {
    }

    public ServerStoppingException(string message)
        : base(message)
    {
    }

    public ServerStoppingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
