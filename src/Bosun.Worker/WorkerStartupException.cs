namespace Bosun.Worker;

/// <summary>The worker cannot start; the message says why and what to do (printed as one line by the CLI).</summary>
public sealed class WorkerStartupException : Exception
{
    public WorkerStartupException(string message) : base(message)
    {
    }

    public WorkerStartupException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public WorkerStartupException()
    {
    }
}
