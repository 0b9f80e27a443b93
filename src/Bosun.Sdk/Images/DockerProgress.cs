using Docker.DotNet.Models;

namespace Bosun.Sdk.Images;

/// <summary>
/// Build and push messages from the daemon, written as progress: build output line by line (remembering the current
/// "Step N/M" for error messages), push status once per layer and status, and the first error reported in the stream.
/// Synchronous on purpose: Progress&lt;T&gt; posts to the thread pool and would reorder lines.
/// </summary>
internal sealed class DockerProgress(ProgressWriter output) : IProgress<JSONMessage>
{
    private readonly Dictionary<string, string> _lastStatus = new(StringComparer.Ordinal);

    /// <summary>The build step that was running last ("Step 3/4 : RUN ...").</summary>
    public string? CurrentStep { get; private set; }

    /// <summary>The first error in the stream.</summary>
    public string? Error { get; private set; }

    public void Report(JSONMessage value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Error is not null || !string.IsNullOrEmpty(value.ErrorMessage))
        {
            Error ??= (value.Error?.Message is { Length: > 0 } message ? message : value.ErrorMessage)?.Trim();
            output.Line($"  ERROR: {Error}");
            return;
        }

        if (!string.IsNullOrEmpty(value.Stream))
        {
            foreach (var line in value.Stream.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith("Step ", StringComparison.Ordinal))
                {
                    CurrentStep = line;
                }

                output.Line("  " + line);
            }

            return;
        }

        if (string.IsNullOrEmpty(value.Status) || !string.IsNullOrEmpty(value.ProgressMessage) || value.Progress is { Total: > 0 })
        {
            return;
        }

        var id = value.ID ?? "";
        if (_lastStatus.TryGetValue(id, out var last) && last == value.Status)
        {
            return;
        }

        _lastStatus[id] = value.Status;
        output.Line(id.Length > 0 ? $"  {id}: {value.Status}" : $"  {value.Status}");
    }
}
