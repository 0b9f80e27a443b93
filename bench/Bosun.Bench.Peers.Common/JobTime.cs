namespace Bosun.Bench.Peers;

/// <summary>A moment in a job's life: its index and a Unix time in milliseconds (fractional).</summary>
public readonly record struct JobTime(int Index, double Ms);
