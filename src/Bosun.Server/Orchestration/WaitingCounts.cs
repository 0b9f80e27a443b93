using System.Data.Common;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration;

/// <summary>
/// The runs not running yet, counted by pool, queue and why they wait: what <c>bosun_runs_waiting</c> exports and the
/// dashboard shows. Runs not due yet are counted in the store; due or held runs are explained one by one, the first
/// <see cref="MetricsStore.ExplainedLimit"/> of them.
/// </summary>
internal static class WaitingCounts
{
    public static async Task<IReadOnlyDictionary<(string Pool, string Queue, WaitingKind Kind), long>> ReadAsync(DbConnection connection, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var waiting = new Dictionary<(string Pool, string Queue, WaitingKind Kind), long>();
        foreach (var (pool, queue, count) in await MetricsStore.NotYetDueAsync(connection, now, cancellationToken))
        {
            waiting[(pool, queue, WaitingKind.Scheduled)] = count;
        }

        foreach (var run in await MetricsStore.WaitingAsync(connection, now, cancellationToken))
        {
            if (await WaitingReasons.DecideAsync(connection, run, now, cancellationToken) is { } reason)
            {
                var key = (run.WorkPoolName ?? "", run.WorkQueueName ?? "", reason.Kind);
                waiting[key] = waiting.GetValueOrDefault(key) + 1;
            }
        }

        return waiting;
    }
}
