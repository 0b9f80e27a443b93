namespace Bosun.Server.Domain;

/// <summary>The request clashes with what is stored, e.g. a name that is taken or runs still in flight (HTTP 409).</summary>
internal sealed class ConflictException(string message) : DomainException(message)
{
    public override string Title => "Conflict";
}
