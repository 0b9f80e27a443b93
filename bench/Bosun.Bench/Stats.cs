namespace Bosun.Bench;

/// <summary>Percentiles of a latency sample, in milliseconds.</summary>
internal sealed class Stats(IEnumerable<double> samples)
{
    private readonly double[] _sorted = samples.Order().ToArray();

    public int Count => _sorted.Length;

    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length) - 1;
        return _sorted[Math.Clamp(rank, 0, _sorted.Length - 1)];
    }

    public override string ToString() => $"p50 {Percentile(50):0.00} ms, p99 {Percentile(99):0.00} ms, max {Percentile(100):0.00} ms (n={Count})";
}
