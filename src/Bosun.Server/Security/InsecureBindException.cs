namespace Bosun.Server.Security;

/// <summary>The server was asked to listen beyond this machine with no admin API key: it refuses, saying how to create one.</summary>
public sealed class InsecureBindException(string host) : Exception(
    $"Refusing to listen on {host} without authentication: whoever reaches the API can run commands on every worker. " +
    "Start it once on loopback (without --host): it prints a one-time bootstrap token; create the first admin key with " +
    "`bosun api-key create --name admin --role admin --bootstrap-token TOKEN`, then start it on this address again. " +
    "Or pass --insecure-allow-anonymous if you really mean it.")
{
    public string Host { get; } = host;
}
