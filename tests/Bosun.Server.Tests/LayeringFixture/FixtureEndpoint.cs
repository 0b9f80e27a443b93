namespace Bosun.Server.Tests.LayeringFixture.Api;

/// <summary>A top layer of the fixture that <see cref="ArchitectureTests"/> checks the layering rule on.</summary>
internal sealed class FixtureEndpoint
{
    public override string ToString() => nameof(FixtureEndpoint);
}
