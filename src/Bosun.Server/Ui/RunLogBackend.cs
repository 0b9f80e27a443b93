using Bosun.Contracts.Logs;
using Bosun.Server.Orchestration.Logs;
using Bosun.Ui.Backend;
using static Bosun.Server.Ui.UiBackends;

namespace Bosun.Server.Ui;

internal sealed class RunLogBackend(LogService logs) : IRunLogBackend
{
    public Task<IReadOnlyList<LogEntry>> ReadLastAsync(Guid runId, int count, CancellationToken cancellationToken) =>
        Call(() => logs.ReadLastAsync(runId, count, cancellationToken));

    public Task<IReadOnlyList<LogEntry>> ReadAfterAsync(Guid runId, long after, int limit, CancellationToken cancellationToken) =>
        Call(() => logs.ReadAfterAsync(runId, after, limit, cancellationToken));
}
