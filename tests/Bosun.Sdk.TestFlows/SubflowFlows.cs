using Bosun.Sdk;

namespace Bosun.Sdk.TestFlows;

/// <summary>Flows that call other flows (subflows) and start deployment runs, run by the SDK tests in flow-run processes.</summary>
public static class SubflowFlows
{
    /// <summary>Calls <see cref="ChildStats"/> as a subflow, and once more from inside a task; returns the first child's result.</summary>
    [Flow("parent-with-subflow", LogPrints = true)]
    public static async Task<RepoStats> ParentWithSubflow(string repo = "bosun/bosun")
    {
        Console.WriteLine("parent: calling the subflow");
        var stats = await Flows.RunAsync(() => ChildStats(repo));
        await Tasks.RunAsync(() => SubflowInATask(repo));
        return stats with { Name = $"parent of {stats.Name}" };
    }

    /// <summary>The subflow: a task of its own, and a result.</summary>
    [Flow("child-stats", LogPrints = true)]
    public static async Task<RepoStats> ChildStats(string repo)
    {
        Console.WriteLine($"child: counting {repo}");
        var stars = await Tasks.RunAsync(() => TaskFlows.FetchStars(repo, CancellationToken.None));
        return new RepoStats(repo, stars, ["ada"]);
    }

    [Task("subflow-in-a-task")]
    public static async Task<int> SubflowInATask(string repo) => (await Flows.RunAsync(() => ChildStats(repo + "/again"))).Stars;

    /// <summary>Its subflow fails; so does it, with the subflow's exception.</summary>
    [Flow("parent-failing-subflow")]
    public static async Task ParentFailingSubflow() => await Flows.RunAsync(() => FailingChild("the child"));

    [Flow("failing-child")]
    public static Task FailingChild(string what) => throw new InvalidOperationException($"{what} broke");

    /// <summary>Its subflow waits until cancelled.</summary>
    [Flow("parent-waiting-subflow")]
    public static async Task ParentWaitingSubflow() => await Flows.RunAsync(() => WaitingChild(CancellationToken.None));

    [Flow("waiting-child", LogPrints = true)]
    public static async Task WaitingChild(CancellationToken cancellationToken)
    {
        Console.WriteLine("child: waiting to be cancelled");
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
    }

    /// <summary>Starts a run of <paramref name="deployment"/> with <paramref name="value"/> and returns its result.</summary>
    [Flow("deployment-caller", LogPrints = true)]
    public static async Task<int> DeploymentCaller(string deployment, int value = 21)
    {
        var result = await FlowContext.Current.RunDeploymentAsync<int>(deployment, new { value });
        Console.WriteLine($"caller: the deployment answered {result}");
        return result;
    }

    /// <summary>Starts a run of <paramref name="deployment"/> and returns its id at once, without waiting.</summary>
    [Flow("deployment-starter")]
    public static async Task<Guid> DeploymentStarter(string deployment, int value = 1) =>
        (await FlowContext.Current.RunDeploymentAsync(deployment, new { value }, TimeSpan.Zero)).Id;

    /// <summary>The deployment the callers start: doubles its value.</summary>
    [Flow("double")]
    public static int Twice(int value) => value * 2;
}
