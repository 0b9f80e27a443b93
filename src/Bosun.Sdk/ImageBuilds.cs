namespace Bosun.Sdk;

/// <summary>Builds (and optionally pushes) a deployment's image; see the Docker support.</summary>
internal static class ImageBuilds
{
    /// <summary>Builds <paramref name="image"/> from the current project and returns the reference to record.</summary>
    public static Task<string> BuildAsync(DeploymentImage image, bool push, TextWriter output, CancellationToken cancellationToken)
    {
        _ = (push, output, cancellationToken);
        throw new DeploymentException($"Building image '{image.Reference}' needs the Docker support, which this build of the SDK does not have yet.");
    }
}
