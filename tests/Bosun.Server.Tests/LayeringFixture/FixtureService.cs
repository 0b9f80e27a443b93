namespace Bosun.Server.Tests.LayeringFixture.Orchestration;

/// <summary>A middle layer of the fixture that keeps the rule: using the layer below is allowed.</summary>
internal static class FixtureService
{
    public static string Describe() => Storage.FixtureStore.Describe();
}
