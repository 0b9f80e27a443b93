using Bosun.Server.Orchestration.Security;

namespace Bosun.Server.Api.Security;

/// <summary>Declares what a route needs: `.Requires(Permission.Deploy)`.</summary>
internal static class RequiresExtensions
{
    public static TBuilder Requires<TBuilder>(this TBuilder builder, params Permission[] anyOf) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Requires(anyOf));
}
