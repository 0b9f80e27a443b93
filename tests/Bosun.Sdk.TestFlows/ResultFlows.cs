using Bosun.Sdk;

namespace Bosun.Sdk.TestFlows;

/// <summary>A report too large for a database row.</summary>
/// <param name="Name">The repository.</param>
/// <param name="Contributors">Its contributors, many.</param>
public sealed record LargeReport(string Name, IReadOnlyList<Contributor> Contributors);

/// <summary>Flows whose results the server keeps by reference in its result folder, run by the SDK tests in flow-run processes.</summary>
public static class ResultFlows
{
    /// <summary>A record holding a list of <paramref name="count"/> contributors (about 45 bytes of JSON each), its list from a task.</summary>
    [Flow("large-result", LogPrints = true)]
    public static async Task<LargeReport> LargeResult(int count = 3000)
    {
        var contributors = await Tasks.RunAsync(() => ManyContributors(count));
        return new LargeReport("bosun/bosun", contributors);
    }

    /// <summary>Contributors numbered from 0, their commits their number.</summary>
    [Task("many-contributors")]
    public static IReadOnlyList<Contributor> ManyContributors(int count) =>
        Enumerable.Range(0, count).Select(i => new Contributor($"contributor-{i:D5}", i)).ToList();
}
