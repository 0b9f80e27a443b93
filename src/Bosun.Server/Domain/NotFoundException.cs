namespace Bosun.Server.Domain;

/// <summary>What the request names does not exist (HTTP 404).</summary>
internal sealed class NotFoundException(string message) : DomainException(message)
{
    public override string Title => "Not found";
}
