using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Bosun.Contracts.Metrics;

/// <summary>
/// Collects the measurements of the instruments it is given (counters, up-down counters, histograms, observable gauges)
/// and writes them in the Prometheus text format (version 0.0.4). The server and the worker each keep one over the meters
/// of their own host, so two hosts in one process never report each other's figures.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type of <see cref="Write"/>'s output.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] SecondBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly MeterListener _listener;
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, Family> _families = new(StringComparer.Ordinal);

    /// <summary>Starts listening to every instrument <paramref name="accept"/> takes.</summary>
    public PrometheusExporter(Func<Instrument, bool> accept)
    {
        ArgumentNullException.ThrowIfNull(accept);
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (accept(instrument))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Writes every collected series, after reading the observable instruments afresh.</summary>
    public void Write(StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_lock)
        {
            // Observable instruments report their current values on each read: what they reported last time is gone.
            foreach (var family in _families.Values.Where(family => family.Observable))
            {
                family.Series.Clear();
            }
        }

        _listener.RecordObservableInstruments();
        lock (_lock)
        {
            foreach (var family in _families.Values)
            {
                family.WriteTo(output);
            }
        }
    }

    /// <summary>Writes one gauge family computed by the caller (figures read from a store at scrape time).</summary>
    /// <param name="output">Where to write.</param>
    /// <param name="name">The metric name, e.g. <c>bosun_runs_waiting</c>.</param>
    /// <param name="help">What it measures.</param>
    /// <param name="samples">Each series: its labels (name, value) and its value.</param>
    public static void WriteGauge(StringBuilder output, string name, string help, IEnumerable<(KeyValuePair<string, string>[] Labels, double Value)> samples)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(samples);
        output.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        output.Append("# TYPE ").Append(name).Append(" gauge\n");
        foreach (var (labels, value) in samples)
        {
            output.Append(name).Append(Labels(labels.Select(label => (label.Key, label.Value)))).Append(' ').Append(Number(value)).Append('\n');
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<(string, string)>(tags.Length);
        foreach (var tag in tags)
        {
            labels.Add((Name(tag.Key), Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? ""));
        }

        labels.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        var key = Labels(labels);
        lock (_lock)
        {
            if (!_families.TryGetValue(instrument.Name, out var family))
            {
                family = new Family(instrument);
                _families[instrument.Name] = family;
            }

            family.Record(key, value);
        }
    }

    private static string Name(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return builder.ToString();
    }

    private static string Labels(IEnumerable<(string Name, string Value)> labels)
    {
        var text = string.Join(",", labels.Select(label => $"{label.Name}=\"{label.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));
        return text.Length == 0 ? "" : "{" + text + "}";
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private sealed class Family
    {
        private readonly string _name;
        private readonly string _help;

        public Family(Instrument instrument)
        {
            var type = instrument.GetType();
            Observable = instrument.IsObservable;
            Kind = type.Name.StartsWith("Histogram", StringComparison.Ordinal) ? Kind.Histogram
                : type.Name.StartsWith("Counter", StringComparison.Ordinal) || type.Name.StartsWith("ObservableCounter", StringComparison.Ordinal) ? Kind.Counter
                : Kind.Gauge;
            var name = Name(instrument.Name);
            if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal))
            {
                name += "_seconds";
            }

            _name = Kind == Kind.Counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
            _help = instrument.Description ?? instrument.Name;
        }

        public Kind Kind { get; }

        public bool Observable { get; }

        /// <summary>Per label set: the value (counters, gauges) or the bucket counts, sum and count (histograms).</summary>
        public SortedDictionary<string, double[]> Series { get; } = new(StringComparer.Ordinal);

        public void Record(string labels, double value)
        {
            if (!Series.TryGetValue(labels, out var series))
            {
                series = new double[Kind == Kind.Histogram ? SecondBuckets.Length + 2 : 1];
                Series[labels] = series;
            }

            switch (Kind)
            {
                case Kind.Histogram:
                    for (var i = 0; i < SecondBuckets.Length; i++)
                    {
                        series[i] += value <= SecondBuckets[i] ? 1 : 0;
                    }

                    series[^2] += value;
                    series[^1] += 1;
                    break;
                default:
                    // Observable instruments report totals, which replace; counters and up-down counters report changes.
                    series[0] = Observable ? value : series[0] + value;
                    break;
            }
        }

        public void WriteTo(StringBuilder output)
        {
            if (Series.Count == 0)
            {
                return;
            }

            output.Append("# HELP ").Append(_name).Append(' ').Append(_help).Append('\n');
            output.Append("# TYPE ").Append(_name).Append(' ').Append(Kind.ToString().ToLowerInvariant()).Append('\n');
            foreach (var (labels, series) in Series)
            {
                if (Kind != Kind.Histogram)
                {
                    output.Append(_name).Append(labels).Append(' ').Append(Number(series[0])).Append('\n');
                    continue;
                }

                var inner = labels.Length == 0 ? "" : labels[1..^1] + ",";
                for (var i = 0; i < SecondBuckets.Length; i++)
                {
                    output.Append(_name).Append("_bucket{").Append(inner).Append("le=\"").Append(Number(SecondBuckets[i])).Append("\"} ").Append(Number(series[i])).Append('\n');
                }

                output.Append(_name).Append("_bucket{").Append(inner).Append("le=\"+Inf\"} ").Append(Number(series[^1])).Append('\n');
                output.Append(_name).Append("_sum").Append(labels).Append(' ').Append(Number(series[^2])).Append('\n');
                output.Append(_name).Append("_count").Append(labels).Append(' ').Append(Number(series[^1])).Append('\n');
            }
        }
    }
}
