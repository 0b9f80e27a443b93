using Docker.DotNet.Models;

namespace Bosun.Worker.Infrastructure;

/// <summary>
/// Writes a pull's progress messages to the run's logs, one line per status change ("abc123: Pull complete"), without the
/// per-chunk download ticks; keeps the first error the daemon reports inside the stream.
/// Synchronous on purpose: Progress&lt;T&gt; would post to the thread pool and reorder lines.
/// </summary>
internal sealed class DockerProgressLog(Action<string> log) : IProgress<JSONMessage>
{
    private readonly Dictionary<string, string> _lastStatus = new(StringComparer.Ordinal);

    /// <summary>The error the daemon reported in the stream, if any.</summary>
    public string? Error { get; private set; }

    public void Report(JSONMessage value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Error is not null || !string.IsNullOrEmpty(value.ErrorMessage))
        {
            Error ??= value.Error?.Message is { Length: > 0 } message ? message : value.ErrorMessage;
            return;
        }

        if (string.IsNullOrEmpty(value.Status) || !string.IsNullOrEmpty(value.ProgressMessage) || value.Progress is { Total: > 0 })
        {
            return;
        }

        var id = value.ID ?? "";
        lock (_lastStatus)
        {
            if (_lastStatus.TryGetValue(id, out var last) && last == value.Status)
            {
                return;
            }

            _lastStatus[id] = value.Status;
        }

        log(id.Length > 0 ? $"{id}: {value.Status}" : value.Status);
    }
}
