using System.Text;
using System.Threading.Channels;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration;

/// <summary>
/// With PostgreSQL, several server replicas share one database: a run created through one must wake a long-polling
/// claim held by another, and a log line written through one must wake that run's followers on the others. Local signals
/// are sent as NOTIFY on one channel; each replica LISTENs and wakes its own waiters. The payload names what changed:
/// <c>claims</c> (every pool's claims), per pool <c>c:&lt;id&gt;</c> (its claims; the served ones under the empty id),
/// <c>scheduler</c>, per run <c>l:&lt;id&gt;</c> (log lines) or <c>s:&lt;id&gt;</c> (its state changed),
/// so that a replica wakes only the followers of those runs, and <c>automations</c> (a rule fired: deliveries are due).
/// A state change or a created run also wakes the automation dispatcher, which may have an outbox row to match. The listener reconnects by itself after a database restart
/// and then wakes everyone, so nothing waits on a notification it missed. With SQLite (one server) this service does
/// nothing.
/// </summary>
internal sealed class ReplicaNotifications(
    BosunDatabase database, ClaimSignal claims, SchedulerSignal scheduler, RunSignals runs, Automations.AutomationSignal automations,
    ILogger<ReplicaNotifications> logger) : BackgroundService
{
    /// <summary>
    /// After a NOTIFY, the next waits this long, gathering what was signalled meanwhile into one: a busy server sends at
    /// most 50 a second instead of one per state change or log batch (each one wakes every replica's listener), and a
    /// quiet one still sends at once. Under load, a replica hears of another's change up to this much later.
    /// </summary>
    private static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// PostgreSQL refuses payloads of 8,000 bytes or more; past this many runs (two tokens of 35 characters at most each,
    /// after the sender's token of 34)
    /// one NOTIFY says <c>runs</c> instead, which wakes every watcher of every run on the other replicas.
    /// </summary>
    private const int MaxRuns = 100;

    /// <summary>
    /// Past this many pools (a token of 34 characters each, within what the runs leave of the 8,000 bytes), one NOTIFY
    /// says <c>claims</c> instead, which wakes every waiting claim on the other replicas.
    /// </summary>
    private const int MaxPools = 20;

    /// <summary>Rings when something was signalled; capacity one, so rings while one is queued merge.</summary>
    private readonly Channel<bool> _doorbell = System.Threading.Channels.Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>
    /// The first token of this replica's payloads. PostgreSQL delivers a NOTIFY to every listener, the sender's too; the
    /// sender skips its own, since its waiters were woken when the change was signalled (each change woke them twice, and
    /// every log feed of the run read the store again for nothing). Replicas of an earlier version ignore the token.
    /// </summary>
    private readonly string _sender = "@" + Guid.NewGuid().ToString("N");

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private bool _claimsPending;
    private bool _schedulerPending;
    private bool _automationsPending;
    private Dictionary<Guid, RunChange> _runsPending = [];
    private HashSet<Guid> _poolsPending = [];

    /// <summary>
    /// Completes once this replica listens (and has woken everyone for what it may have missed before), or at once
    /// without PostgreSQL: from then on, only the changes named in notifications wake this replica's waiters.
    /// </summary>
    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Dialect is not PostgresDialect postgres)
        {
            _ready.TrySetResult();
            return;
        }

        var channel = new ReplicaChannel(postgres);
        void OnClaims(Guid? pool) => Pending(() =>
        {
            if (pool is { } id)
            {
                _poolsPending.Add(id);
            }
            else
            {
                _claimsPending = true;
            }
        });
        void OnScheduler() => Pending(() => _schedulerPending = true);
        void OnAutomations() => Pending(() => _automationsPending = true);
        void OnRun(Guid runId, RunChange change) => Pending(() => _runsPending[runId] = _runsPending.GetValueOrDefault(runId) | change);
        claims.Notified += OnClaims;
        scheduler.Notified += OnScheduler;
        automations.Notified += OnAutomations;
        runs.Notified += OnRun;
        try
        {
            await Task.WhenAll(ListenAsync(channel, stoppingToken), SendAsync(channel, stoppingToken));
        }
        finally
        {
            claims.Notified -= OnClaims;
            scheduler.Notified -= OnScheduler;
            automations.Notified -= OnAutomations;
            runs.Notified -= OnRun;
        }
    }

    private void Pending(Action record)
    {
        lock (_gate)
        {
            record();
        }

        _doorbell.Writer.TryWrite(true);
    }

    private async Task ListenAsync(ReplicaChannel channel, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await channel.ListenAsync(
                    payload =>
                    {
                        var tokens = payload.Split(',');
                        if (tokens[0] == _sender)
                        {
                            return;
                        }

                        var automationEvent = false;
                        foreach (var what in tokens)
                        {
                            automationEvent |= Wake(what);
                        }

                        if (automationEvent)
                        {
                            automations.NotifyLocal();
                        }
                    },
                    () =>
                    {
                        // Whatever happened while we were not listening: look again.
                        claims.NotifyAllLocal();
                        scheduler.NotifyLocal();
                        automations.NotifyLocal();
                        runs.NotifyAllLocal(RunChange.Lines | RunChange.State);
                        delay = TimeSpan.FromMilliseconds(250);
                        _ready.TrySetResult();
                    },
                    stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ReplicaChannel.IsListenerLost(ex))
            {
                Log.ReplicaListenerLost(logger, delay, ex);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
    }

    private async Task SendAsync(ReplicaChannel channel, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _doorbell.Reader.ReadAllAsync(stoppingToken))
            {
                var payload = TakePayload();
                if (payload.Length == 0)
                {
                    continue;
                }

                try
                {
                    await channel.NotifyAsync($"{_sender},{payload}", stoppingToken);
                }
                catch (Exception ex) when (ReplicaChannel.IsNotifyFailure(ex))
                {
                    // The other replicas miss this one; their listeners wake everything when they reconnect, and
                    // long-polls and log followers look again at their deadlines in any case.
                    Log.ReplicaNotifyFailed(logger, channel.Endpoint, ex);
                }

                await Task.Delay(CoalesceWindow, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>What was signalled since the last NOTIFY, as its payload (empty: nothing), cleared.</summary>
    private string TakePayload()
    {
        Dictionary<Guid, RunChange> pendingRuns;
        HashSet<Guid> pendingPools;
        var payload = new StringBuilder();
        lock (_gate)
        {
            (pendingPools, _poolsPending) = (_poolsPending, []);
            if (_claimsPending || pendingPools.Count > MaxPools)
            {
                payload.Append("claims,");
            }
            else
            {
                foreach (var pool in pendingPools)
                {
                    payload.Append("c:").Append(pool.ToString("N")).Append(',');
                }
            }

            if (_schedulerPending)
            {
                payload.Append("scheduler,");
            }

            if (_automationsPending)
            {
                payload.Append("automations,");
            }

            (_claimsPending, _schedulerPending, _automationsPending) = (false, false, false);
            (pendingRuns, _runsPending) = (_runsPending, []);
        }

        if (pendingRuns.Count > MaxRuns)
        {
            payload.Append("runs,");
        }
        else
        {
            foreach (var (runId, change) in pendingRuns)
            {
                if (change.HasFlag(RunChange.Lines))
                {
                    payload.Append("l:").Append(runId.ToString("N")).Append(',');
                }

                if (change.HasFlag(RunChange.State))
                {
                    payload.Append("s:").Append(runId.ToString("N")).Append(',');
                }
            }
        }

        return payload.Length == 0 ? "" : payload.ToString(0, payload.Length - 1);
    }

    /// <summary>Wakes this replica's waiters of <paramref name="what"/>; true when it may be an automation event (a run created or changed, a rule fired).</summary>
    private bool Wake(string what)
    {
        switch (what)
        {
            case "claims":
                claims.NotifyAllLocal();
                return true;
            case ['c', ':', ..] when Guid.TryParseExact(what.AsSpan(2), "N", out var poolId):
                claims.NotifyLocal(poolId);
                return true;
            case "scheduler":
                scheduler.NotifyLocal();
                return false;
            case "automations":
                return true;
            // "logs" is what replicas of the version before per-run signals send for any log write.
            case "runs" or "logs":
                runs.NotifyAllLocal(RunChange.Lines | RunChange.State);
                return what == "runs";
            case ['l' or 's', ':', ..] when Guid.TryParseExact(what.AsSpan(2), "N", out var runId):
                runs.NotifyLocal(runId, what[0] == 'l' ? RunChange.Lines : RunChange.State);
                return what[0] == 's';
            default:
                return false;
        }
    }
}
