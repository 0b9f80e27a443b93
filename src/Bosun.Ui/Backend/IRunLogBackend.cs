using Bosun.Contracts.Logs;

namespace Bosun.Ui.Backend;

/// <summary>A run's log lines, read by id: the newest to open a page, then only those after the last one shown.</summary>
public interface IRunLogBackend
{
    /// <summary>The run's last <paramref name="count"/> lines, in order.</summary>
    Task<IReadOnlyList<LogEntry>> ReadLastAsync(Guid runId, int count, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> lines after the line with id <paramref name="after"/>, in order.</summary>
    Task<IReadOnlyList<LogEntry>> ReadAfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken);
}
