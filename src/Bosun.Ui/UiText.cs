using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Results;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Contracts.WorkPools;

namespace Bosun.Ui;

/// <summary>How the UI writes times, JSON, states and addresses.</summary>
internal static class UiText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A page's total as a number, "10000+" where the server stopped counting at its limit.</summary>
    public static string Total<T>(Page<T> page) => Total(page.Total, page.TotalIsLowerBound);

    /// <summary>A count as a number, "10000+" when it is a lower bound (<see cref="Page{T}.TotalIsLowerBound"/>).</summary>
    public static string Total(int total, bool isLowerBound) =>
        total.ToString(CultureInfo.InvariantCulture) + (isLowerBound ? "+" : "");

    /// <summary>Whether more items match than the page shows (always so when the count stopped at the server's limit).</summary>
    public static bool MoreThanShown<T>(Page<T> page) => page.Total > page.Items.Count || page.TotalIsLowerBound;

    /// <summary>"12 seconds ago", "in 3 minutes", "just now".</summary>
    public static string Ago(DateTimeOffset time, DateTimeOffset now)
    {
        var span = now - time;
        var future = span < TimeSpan.Zero;
        var length = future ? span.Negate() : span;
        if (length < TimeSpan.FromSeconds(1))
        {
            return "just now";
        }

        var text = length switch
        {
            _ when length < TimeSpan.FromMinutes(1) => Count((int)length.TotalSeconds, "second"),
            _ when length < TimeSpan.FromHours(1) => Count((int)length.TotalMinutes, "minute"),
            _ when length < TimeSpan.FromDays(1) => Count((int)length.TotalHours, "hour"),
            _ => Count((int)length.TotalDays, "day"),
        };
        return future ? $"in {text}" : $"{text} ago";
    }

    /// <summary>An absolute UTC time, e.g. 2026-11-26 05:52:01 UTC.</summary>
    public static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 for a &lt;time datetime&gt; attribute.</summary>
    public static string Iso(DateTimeOffset time) => time.ToString("o", CultureInfo.InvariantCulture);

    public static string Duration(double seconds) => seconds switch
    {
        < 1 => $"{seconds * 1000:0} ms",
        < 60 => $"{seconds:0.#} s",
        < 3600 => $"{Math.Floor(seconds / 60):0} min {seconds % 60:0} s",
        _ => $"{Math.Floor(seconds / 3600):0} h {Math.Floor(seconds % 3600 / 60):0} min",
    };

    public static string Json(JsonNode? node) => node is null ? "null" : node.ToJsonString(Indented);

    /// <summary>How many characters of a task run's result the task timeline shows.</summary>
    public const int ShortResultChars = 120;

    /// <summary>
    /// A result on one line for the task timeline: its readable value (<see cref="RunResult.Readable"/>, a <c>gzip-json</c>
    /// value decoded) as compact JSON, cut after <see cref="ShortResultChars"/> characters.
    /// </summary>
    public static string ShortResult(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var (value, _) = result.Readable();
        var text = value is null ? "null" : value.ToJsonString();
        return text.Length > ShortResultChars ? text[..ShortResultChars] + "…" : text;
    }

    public static string Status(ReadinessStatus status) => status switch
    {
        ReadinessStatus.Ready => "Ready",
        ReadinessStatus.NotReady => "Not ready",
        _ => "Paused",
    };

    /// <summary>The colour class of a status dot: green Ready, red Not ready, grey Paused.</summary>
    public static string StatusColour(ReadinessStatus status) => status switch
    {
        ReadinessStatus.Ready => "green",
        ReadinessStatus.NotReady => "red",
        _ => "grey",
    };

    /// <summary>The colour class of a run state, the same as the CLI's.</summary>
    public static string StateColour(StateType type) => type switch
    {
        StateType.Completed => "green",
        StateType.Failed or StateType.Crashed => "red",
        StateType.Running => "blue",
        StateType.Scheduled or StateType.Pending => "yellow",
        _ => "grey",
    };

    /// <summary>The colour class of a task run state, matching the run states' (a cached result is a completed one).</summary>
    public static string TaskStateColour(TaskRunStateType type) => type switch
    {
        TaskRunStateType.Completed or TaskRunStateType.Cached => "green",
        TaskRunStateType.Failed or TaskRunStateType.TimedOut => "red",
        TaskRunStateType.Running => "blue",
        TaskRunStateType.Retrying => "yellow",
        _ => "grey",
    };

    /// <summary>A waiting reason's label (<c>pool_paused</c>) as words (<c>Pool paused</c>).</summary>
    public static string WaitingReason(string label) => label.Length == 0 ? label : char.ToUpperInvariant(label[0]) + label[1..].Replace('_', ' ');

    /// <summary>A number for an SVG attribute (invariant, two decimals at most).</summary>
    public static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>aria-invalid="true" on a field with an error; the attribute is left out otherwise.</summary>
    public static string? Invalid(string? error) => error is null ? null : "true";

    /// <summary>The ids an input's aria-describedby names: its help text, and its error while it has one.</summary>
    public static string DescribedBy(string help, string? error, string errorId) => error is null ? help : $"{help} {errorId}";

    public static string Limit(int? limit) => limit?.ToString(CultureInfo.InvariantCulture) ?? "no limit";

    public static string PoolHref(string name, string? tab = null) =>
        $"work-pools/{Uri.EscapeDataString(name)}{(tab is null ? "" : "/" + tab)}";

    public static string DeploymentHref(Guid id) => $"deployments/{id}";

    public static string RunHref(Guid id) => $"flow-runs/{id}";

    private static string Count(int value, string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{value} {unit}{(value == 1 ? "" : "s")}");
}
