using Bosun.Sdk;

namespace Bosun.Sdk.TestFlows;

/// <summary>A repository as the task flows return it: a record with a collection.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Stars">Its stars.</param>
/// <param name="Contributors">Its contributors.</param>
public sealed record RepoStats(string Name, int Stars, IReadOnlyList<string> Contributors);

/// <summary>Flows that call tasks, run by the SDK tests in flow-run processes.</summary>
public static class TaskFlows
{
    /// <summary>Two cached tasks awaited together; the result is a record. The tasks print what they do.</summary>
    [Flow("cached-tasks", LogPrints = true)]
    public static async Task<RepoStats> CachedTasks(string repo = "bosun/bosun")
    {
        var stars = Tasks.RunAsync(() => FetchStars(repo, CancellationToken.None));
        var contributors = Tasks.RunAsync(() => FetchContributors(repo));
        await Task.WhenAll(stars, contributors);
        return new RepoStats(repo, await stars, await contributors);
    }

    [Task("fetch-stars", Retries = 2, RetryDelaySeconds = [1], CacheExpirationSeconds = 3600)]
    public static Task<int> FetchStars(string repo, CancellationToken cancellationToken)
    {
        Console.WriteLine($"task body: fetching stars of {repo}");
        return Task.FromResult(repo.Length * 10);
    }

    [Task("fetch-contributors", CacheExpirationSeconds = 3600)]
    public static string[] FetchContributors(string repo)
    {
        Console.WriteLine($"task body: fetching contributors of {repo}");
        return ["ada", "grace"];
    }

    /// <summary>A task that fails on each of its two attempts; the flow fails with it.</summary>
    [Flow("failing-task")]
    public static async Task<int> FailingTask() => await Tasks.RunAsync(() => Explode("the widget"));

    [Task("explode", Retries = 1)]
    public static Task<int> Explode(string what) => throw new InvalidOperationException($"exploded on {what}");
}
