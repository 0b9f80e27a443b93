namespace Bosun.Bench;

/// <summary>The sizes and pacing of the comparison's workloads (bench/README.md, `peers`).</summary>
/// <param name="WarmUp">Jobs created and run, as W1 does, before anything is measured.</param>
/// <param name="W1">Jobs created one after the other as fast as the system accepts them, for throughput.</param>
/// <param name="W2">Jobs due now, for created → started latency.</param>
/// <param name="W2IntervalMs">The time between two W2 creations.</param>
/// <param name="W3">Jobs due later, for due → started latency.</param>
/// <param name="W3IntervalMs">The time between two W3 creations.</param>
/// <param name="W3LeadMs">Each W3 job is due at the first whole second at least this long after its creation.</param>
internal sealed record PeerWorkloads(int WarmUp, int W1, int W2, double W2IntervalMs, int W3, double W3IntervalMs, double W3LeadMs)
{
    public static readonly PeerWorkloads Full = new(WarmUp: 1000, W1: 5000, W2: 500, W2IntervalMs: 40, W3: 240, W3IntervalMs: 125, W3LeadMs: 2000);

    public static readonly PeerWorkloads Quick = new(WarmUp: 100, W1: 500, W2: 50, W2IntervalMs: 40, W3: 40, W3IntervalMs: 125, W3LeadMs: 2000);
}
