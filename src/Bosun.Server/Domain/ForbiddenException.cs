namespace Bosun.Server.Domain;

/// <summary>The caller may not do this to this object, e.g. a run token writing another run's logs (HTTP 403).</summary>
internal sealed class ForbiddenException(string message) : DomainException(message)
{
    public override string Title => "Not allowed";
}
