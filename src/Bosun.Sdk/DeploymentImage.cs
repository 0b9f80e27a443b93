namespace Bosun.Sdk;

/// <summary>
/// The image a deployment runs in: built from the project on deploy (a generated Dockerfile, or
/// <paramref name="Dockerfile"/>), and recorded as the deployment's <c>image</c> job variable.
/// A string such as <c>"my-image:tutorial"</c> converts to one.
/// </summary>
/// <param name="Name">Repository name, including a registry host to push to (e.g. 127.0.0.1:5000/my-image).</param>
/// <param name="Tag">Tag; "latest" when omitted.</param>
/// <param name="Dockerfile">A Dockerfile of the project to build with instead of the generated one (path relative to the project).</param>
public sealed record DeploymentImage(string Name, string? Tag = null, string? Dockerfile = null)
{
    /// <summary>
    /// Docker build arguments (<c>ARG</c> values) for a custom Dockerfile. Docker keeps them in the image's history, so
    /// they are no place for a password.
    /// </summary>
    public IReadOnlyDictionary<string, string>? BuildArgs { get; init; }

    /// <summary>The platform to build for, e.g. <c>linux/amd64</c> (default: the Docker daemon's).</summary>
    public string? Platform { get; init; }

    /// <summary>name:tag.</summary>
    public string Reference => $"{Name}:{Tag ?? "latest"}";

    /// <summary>The registry the image is pushed to: the first part of <see cref="Name"/> when it is a host (has a dot or a port, or is localhost); null for Docker Hub.</summary>
    public string? Registry
    {
        get
        {
            var slash = Name.IndexOf('/', StringComparison.Ordinal);
            var first = slash < 0 ? null : Name[..slash];
            return first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost") ? first : null;
        }
    }

    /// <summary>Parses "name[:tag]".</summary>
    public static DeploymentImage Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') && colon > 0
            ? new DeploymentImage(reference[..colon], reference[(colon + 1)..])
            : new DeploymentImage(reference);
    }

    /// <summary>"name:tag" → an image built with the generated Dockerfile (null stays null).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(reference))]
    public static implicit operator DeploymentImage?(string? reference) => reference is null ? null : Parse(reference);

    /// <summary>The reference.</summary>
    public override string ToString() => Reference;
}
