namespace Bosun.Worker.Infrastructure;

/// <summary>The infrastructure could not be created; the message says why, for the run's logs and CRASHED state.</summary>
public sealed class SubmissionException : Exception
{
    public SubmissionException(string message) : base(message)
    {
    }

    public SubmissionException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public SubmissionException()
    {
    }
}
