using Bosun.Sdk;

namespace Bosun.Sdk.TestFlows;

/// <summary>A contributor, as the compressed-result flow returns them.</summary>
/// <param name="Login">Their login.</param>
/// <param name="Commits">Their commits.</param>
public sealed record Contributor(string Login, int Commits);

/// <summary>A cache key that ignores a name's case: "Ada" and "ADA" share one cached greeting.</summary>
public sealed class CaseInsensitiveName : ITaskCacheKey
{
    /// <inheritdoc />
    public string? KeyFor(TaskCallInfo call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return (call.Arguments["name"] as string)?.ToUpperInvariant();
    }
}

/// <summary>Flows that suspend, key their cache, and choose a result serializer, run by the SDK tests in flow-run processes.</summary>
public static class SuspendFlows
{
    /// <summary>Counts stars (a task), suspends for an <see cref="Approval"/> unless told not to, then announces it (a task).</summary>
    [Flow("suspending", LogPrints = true)]
    public static async Task<string> SuspendForApproval(bool suspend = true)
    {
        var stars = await Tasks.RunAsync(() => CountStars("bosun/bosun"));
        if (!suspend)
        {
            return $"not suspended ({stars} stars)";
        }

        var approval = await FlowContext.Current.SuspendAsync<Approval>(TimeSpan.FromMinutes(5));
        var note = await Tasks.RunAsync(() => Announce(approval.Reviewer, approval.Approved));
        return $"{note} ({stars} stars)";
    }

    private static int _failuresAfterResume;

    /// <summary>
    /// One retry: suspends for an <see cref="Approval"/>, then, resumed, fails its first attempt in this process and
    /// succeeds on the retry (its process, the one started after the resume, retries it in place).
    /// </summary>
    [Flow("suspend-then-fail", Retries = 1, LogPrints = true)]
    public static async Task<string> SuspendThenFailOnce()
    {
        var approval = await FlowContext.Current.SuspendAsync<Approval>(TimeSpan.FromMinutes(5));
        if (Interlocked.Increment(ref _failuresAfterResume) == 1)
        {
            throw new InvalidOperationException("fails once after the resume");
        }

        return $"retried, approved by {approval.Reviewer}";
    }

    /// <summary>
    /// Calls a subflow, suspends for an <see cref="Approval"/>, then calls the same subflow for the reviewer: resumed, the
    /// first call is answered from the child run completed before the suspension; the second is a new child.
    /// </summary>
    [Flow("suspend-after-subflow", LogPrints = true)]
    public static async Task<string> SuspendAfterSubflow()
    {
        var stats = await Flows.RunAsync(() => SubflowFlows.ChildStats("bosun/bosun"));
        var approval = await FlowContext.Current.SuspendAsync<Approval>(TimeSpan.FromMinutes(5));
        var reviewers = await Flows.RunAsync(() => SubflowFlows.ChildStats(approval.Reviewer + "/repo"));
        return $"{stats.Name}: {stats.Stars} stars; {reviewers.Name}: {reviewers.Stars} stars; approved by {approval.Reviewer}";
    }

    /// <summary>
    /// Two different tasks call the same subflow with the same parameters; the second then suspends in its body. Resumed,
    /// the first is answered from its task run (its subflow not called again) and the second runs again: its subflow call
    /// must be answered from its own child, not from the first task's.
    /// </summary>
    [Flow("two-callers", LogPrints = true)]
    public static async Task<string> TwoCallers()
    {
        var left = await Tasks.RunAsync(() => LeftCaller());
        var right = await Tasks.RunAsync(() => RightCaller());
        return $"{left}; {right}";
    }

    /// <summary>Calls <see cref="WhoAmI"/> and says which child answered.</summary>
    [Task("left-caller")]
    public static async Task<string> LeftCaller()
    {
        var child = await Flows.RunAsync(() => WhoAmI("same"));
        return $"left got {child}";
    }

    /// <summary>Calls <see cref="WhoAmI"/> with the same parameters as <see cref="LeftCaller"/>, then suspends for an <see cref="Approval"/>.</summary>
    [Task("right-caller")]
    public static async Task<string> RightCaller()
    {
        var child = await Flows.RunAsync(() => WhoAmI("same"));
        var approval = await FlowContext.Current.SuspendAsync<Approval>(TimeSpan.FromMinutes(5));
        return $"right got {child}, approved by {approval.Reviewer}";
    }

    /// <summary>A subflow that answers with its own run's id: which child answered a call shows in the caller's value.</summary>
    [Flow("who-am-i", LogPrints = true)]
    public static Task<string> WhoAmI(string label)
    {
        Console.WriteLine($"who-am-i body: {label}");
        return Task.FromResult(FlowContext.Current.FlowRunId?.ToString() ?? "no run");
    }

    /// <summary>Suspends inside a task that has retries: the suspension must end the task at once, not be retried.</summary>
    [Flow("suspend-in-task", LogPrints = true)]
    public static async Task<string> SuspendInTask()
    {
        var approval = await Tasks.RunAsync(() => AskApproval());
        return $"approved by {approval.Reviewer} in a task";
    }

    /// <summary>Asks for an approval by suspending the run; 2 retries, which a suspension must not use.</summary>
    [Task("ask-approval", Retries = 2)]
    public static async Task<Approval> AskApproval()
    {
        Console.WriteLine("task body: ask-approval");
        return await FlowContext.Current.SuspendAsync<Approval>(TimeSpan.FromMinutes(5));
    }

    /// <summary>A task the suspended run must not run twice.</summary>
    [Task("count-stars")]
    public static int CountStars(string repo)
    {
        Console.WriteLine($"task body: count-stars {repo}");
        return 110;
    }

    /// <summary>A task run after the resume.</summary>
    [Task("announce")]
    public static string Announce(string reviewer, bool approved)
    {
        Console.WriteLine("task body: announce");
        return approved ? $"approved by {reviewer}" : $"rejected by {reviewer}";
    }

    /// <summary>Greets through a task cached under a case-insensitive key.</summary>
    [Flow("keyed-cache", LogPrints = true)]
    public static async Task<string> Greet(string name) => await Tasks.RunAsync(() => Greeting(name));

    /// <summary>Cached by <see cref="CaseInsensitiveName"/>.</summary>
    [Task("greeting", CacheExpirationSeconds = 3600, CacheKeyFunction = typeof(CaseInsensitiveName))]
    public static string Greeting(string name)
    {
        Console.WriteLine($"task body: greeting {name}");
        return $"hello {name}";
    }

    /// <summary>Results written gzip-compressed (the flow's serializer), except the top contributor's (the task's own, JSON).</summary>
    [Flow("compressed-results", LogPrints = true, ResultSerializer = typeof(CompressedJsonResultSerializer))]
    public static async Task<IReadOnlyList<Contributor>> FetchAll(int count = 50)
    {
        var all = await Tasks.RunAsync(() => FetchContributors(count));
        var top = await Tasks.RunAsync(() => TopContributor(all));
        Console.WriteLine($"top contributor: {top.Login}");
        return all;
    }

    /// <summary>Cached: its result is read back through the gzip serializer by the next run.</summary>
    [Task("fetch-contributors", CacheExpirationSeconds = 3600)]
    public static List<Contributor> FetchContributors(int count)
    {
        Console.WriteLine($"task body: fetch-contributors {count}");
        return Enumerable.Range(1, count).Select(i => new Contributor($"contributor-{i}", i * 10)).ToList();
    }

    /// <summary>Names its own serializer: JSON.</summary>
    [Task("top-contributor", ResultSerializer = typeof(JsonResultSerializer))]
    public static Contributor TopContributor(List<Contributor> all) => all.MaxBy(c => c.Commits)!;
}
