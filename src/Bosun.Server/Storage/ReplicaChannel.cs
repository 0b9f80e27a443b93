using System.Net.Sockets;
using Npgsql;

namespace Bosun.Server.Storage;

/// <summary>
/// The PostgreSQL channel through which server replicas sharing one database tell each other what changed: NOTIFY to
/// send a payload, LISTEN on a connection of its own to hear the others'.
/// </summary>
internal sealed class ReplicaChannel(PostgresDialect postgres)
{
    private const string Channel = "bosun_signals";

    /// <summary>host:port of the database, for log messages.</summary>
    public string Endpoint => postgres.Endpoint;

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> ends it or the connection fails (it throws then; see
    /// <see cref="IsListenerLost"/>): every payload heard goes to <paramref name="heard"/>; <paramref name="listening"/>
    /// runs once LISTEN is in force, so that whatever was missed before can be looked at.
    /// </summary>
    public async Task ListenAsync(Action<string> heard, Action listening, CancellationToken cancellationToken)
    {
        await using var connection = postgres.CreateDedicatedConnection();
        await connection.OpenAsync(cancellationToken);
        connection.Notification += (_, e) => heard(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        listening();
        while (!cancellationToken.IsCancellationRequested)
        {
            await connection.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="payload"/> to every listening replica (this one included).</summary>
    public async Task NotifyAsync(string payload, CancellationToken cancellationToken)
    {
        await using var connection = await postgres.OpenReadConnectionAsync(cancellationToken);
        await using var notify = new NpgsqlCommand($"SELECT pg_notify('{Channel}', @what)", (NpgsqlConnection)connection);
        notify.Parameters.AddWithValue("what", payload);
        await notify.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The listener's connection broke or could not be opened: listen again after a pause.</summary>
    public static bool IsListenerLost(Exception exception) =>
        exception is NpgsqlException or SocketException or InvalidOperationException or IOException;

    /// <summary>A notification could not be sent because the database could not be reached.</summary>
    public static bool IsNotifyFailure(Exception exception) => exception is NpgsqlException or SocketException;
}
