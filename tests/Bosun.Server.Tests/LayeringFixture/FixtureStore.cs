namespace Bosun.Server.Tests.LayeringFixture.Storage;

/// <summary>A bottom layer of the fixture that breaks the layering rule on purpose: it uses the fixture's Api layer.</summary>
internal static class FixtureStore
{
    public static string Describe() => new Api.FixtureEndpoint().ToString();
}
