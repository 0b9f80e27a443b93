using System.Threading.Channels;
using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration;

/// <summary>
/// With PostgreSQL, several server replicas share one database: a run created through one must wake a long-polling
/// claim held by another. Each local signal is sent as NOTIFY on one channel; each replica LISTENs and wakes its own
/// waiters. The listener reconnects by itself after a database restart and then wakes everyone, so nothing waits on a
/// notification it missed. With SQLite (one server) this service does nothing.
/// </summary>
internal sealed class ReplicaNotifications(
    BosunDatabase database, ClaimSignal claims, LogSignal logs, SchedulerSignal scheduler, ILogger<ReplicaNotifications> logger) : BackgroundService
{
    /// <summary>
    /// After a NOTIFY, the next waits this long, gathering what was signalled meanwhile into one: a busy server sends at
    /// most 50 a second instead of one per state change (each one wakes every replica's listener), and a quiet one still
    /// sends at once. Under load, a replica hears of another's change up to this much later.
    /// </summary>
    private static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(20);

    private static readonly string[] Kinds = ["claims", "logs", "scheduler"];

    /// <summary>Rings when <see cref="_pending"/> gained a kind; capacity one, so rings while one is queued merge.</summary>
    private readonly Channel<bool> _doorbell = System.Threading.Channels.Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    /// <summary>The kinds signalled since the last NOTIFY, one bit each (index in <see cref="Kinds"/>).</summary>
    private int _pending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Dialect is not PostgresDialect postgres)
        {
            return;
        }

        var channel = new ReplicaChannel(postgres);

        void Send(int bit)
        {
            Interlocked.Or(ref _pending, bit);
            _doorbell.Writer.TryWrite(true);
        }

        void OnClaims() => Send(1);
        void OnLogs() => Send(2);
        void OnScheduler() => Send(4);
        claims.Notified += OnClaims;
        logs.Notified += OnLogs;
        scheduler.Notified += OnScheduler;
        try
        {
            await Task.WhenAll(ListenAsync(channel, stoppingToken), SendAsync(channel, stoppingToken));
        }
        finally
        {
            claims.Notified -= OnClaims;
            logs.Notified -= OnLogs;
            scheduler.Notified -= OnScheduler;
        }
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
                        foreach (var what in payload.Split(','))
                        {
                            Wake(what);
                        }
                    },
                    () =>
                    {
                        // Whatever happened while we were not listening: look again.
                        Wake("claims");
                        Wake("logs");
                        Wake("scheduler");
                        delay = TimeSpan.FromMilliseconds(250);
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
                var pending = Interlocked.Exchange(ref _pending, 0);
                if (pending == 0)
                {
                    continue;
                }

                var what = string.Join(',', Kinds.Where((_, index) => (pending & (1 << index)) != 0));
                try
                {
                    await channel.NotifyAsync(what, stoppingToken);
                }
                catch (Exception ex) when (ReplicaChannel.IsNotifyFailure(ex))
                {
                    // The other replicas miss this one; their listeners wake everything when they reconnect, and
                    // long-polls wake at their deadline in any case.
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

    private void Wake(string what)
    {
        switch (what)
        {
            case "claims":
                claims.NotifyLocal();
                break;
            case "logs":
                logs.NotifyLocal();
                break;
            case "scheduler":
                scheduler.NotifyLocal();
                break;
        }
    }
}
