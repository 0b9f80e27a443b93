namespace Bosun.Sdk;

/// <summary>Deploying or serving failed for a reason the user can fix; the message says what to do.</summary>
public sealed class DeploymentException : Exception
{
    /// <summary>Creates the exception with a message saying what to do.</summary>
    public DeploymentException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DeploymentException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DeploymentException()
    {
    }
}
