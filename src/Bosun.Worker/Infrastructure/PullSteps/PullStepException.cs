namespace Bosun.Worker.Infrastructure.PullSteps;

/// <summary>What stopped one pull step; <see cref="PullStepRunner"/> names the step and turns it into a <see cref="SubmissionException"/>.</summary>
internal sealed class PullStepException : Exception
{
    public PullStepException(string message) : base(message)
    {
    }

    public PullStepException()
    {
    }

    public PullStepException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
