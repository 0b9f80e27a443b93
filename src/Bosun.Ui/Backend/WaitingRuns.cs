namespace Bosun.Ui.Backend;

/// <summary>How many runs of a pool wait for one reason (<paramref name="Reason"/>: the label of <c>bosun_runs_waiting</c>, such as pool_paused).</summary>
public sealed record WaitingRuns(string Pool, string Reason, int Count);
