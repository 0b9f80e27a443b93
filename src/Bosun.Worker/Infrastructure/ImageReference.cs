namespace Bosun.Worker.Infrastructure;

/// <summary>An image reference split the way Docker reads it: <c>[registry/]repository[:tag][@digest]</c>.</summary>
internal sealed record ImageReference(string Repository, string? Tag, string? Digest)
{
    /// <summary>The registry host when the first path part names one (has a dot or a port, or is localhost); null for Docker Hub.</summary>
    public string? Registry
    {
        get
        {
            var slash = Repository.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                return null;
            }

            var first = Repository[..slash];
            return first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost" ? first : null;
        }
    }

    public static ImageReference Parse(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        string? digest = null;
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = image[(at + 1)..];
            image = image[..at];
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') && colon > 0
            ? new ImageReference(image[..colon], image[(colon + 1)..], digest)
            : new ImageReference(image, null, digest);
    }
}
