using System.Threading.Channels;
using Bosun.Server.Storage;
using Npgsql;

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
    private const string Channel = "bosun_signals";

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
            await Task.WhenAll(ListenAsync(postgres, stoppingToken), SendAsync(postgres, stoppingToken));
        }
        finally
        {
            claims.Notified -= OnClaims;
            logs.Notified -= OnLogs;
            scheduler.Notified -= OnScheduler;
        }
    }

    private async Task ListenAsync(PostgresDialect postgres, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = postgres.CreateDedicatedConnection();
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    foreach (var what in e.Payload.Split(','))
                    {
                        Wake(what);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // Whatever happened while we were not listening: look again.
                Wake("claims");
                Wake("logs");
                Wake("scheduler");
                delay = TimeSpan.FromMilliseconds(250);
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or InvalidOperationException or IOException)
            {
                Log.ReplicaListenerLost(logger, delay, ex);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromSeconds(Math.Min(10, delay.TotalSeconds * 2));
            }
        }
    }

    private async Task SendAsync(PostgresDialect postgres, CancellationToken stoppingToken)
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
                    await using var connection = await database.Dialect.OpenReadConnectionAsync(stoppingToken);
                    await using var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', @what)", (NpgsqlConnection)connection);
                    notify.Parameters.AddWithValue("what", what);
                    await notify.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException)
                {
                    // The other replicas miss this one; their listeners wake everything when they reconnect, and
                    // long-polls wake at their deadline in any case.
                    Log.ReplicaNotifyFailed(logger, postgres.Endpoint, ex);
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
