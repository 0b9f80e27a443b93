using Bosun.Server.Orchestration.Security;

namespace Bosun.Server.Api.Security;

/// <summary>Endpoint metadata: the caller needs any one of these permissions.</summary>
internal sealed class Requires(params Permission[] anyOf)
{
    public IReadOnlyList<Permission> AnyOf { get; } = anyOf;

    public override string ToString() => string.Join("|", AnyOf).ToLowerInvariant();
}
