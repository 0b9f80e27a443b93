using System.CommandLine;
using System.Net.Sockets;
using Bosun.Server;
using Bosun.Server.Orchestration;
using Bosun.Server.Storage;
using Microsoft.Extensions.Options;

namespace Bosun.Cli.Commands.Server;

/// <summary>`bosun server start`: the API (and UI) on an embedded SQLite file by default.</summary>
internal static class ServerStartCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => Env("BOSUN_SERVER_HOST") ?? "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one).", DefaultValueFactory = _ => int.TryParse(Env("BOSUN_SERVER_PORT"), out var p) ? p : 4200 };
        var database = new Option<string>("--database")
        {
            Description = "SQLite file path (default ~/.bosun/bosun.db), or a PostgreSQL URI / connection string such as postgresql://user:password@host:5432/bosun (BOSUN_DATABASE).",
            DefaultValueFactory = _ => Env("BOSUN_DATABASE") ?? BosunServerOptions.DefaultDatabasePath(),
        };
        var insecure = new Option<bool>("--insecure-allow-anonymous") { Description = "Listen beyond loopback without any API key (anyone reaching it can run code on workers)." };
        var keyFile = new Option<string?>("--key-file") { Description = "The server key file (encrypts secrets, signs run tokens); default beside the SQLite file or ~/.bosun/bosun.key (BOSUN_KEY_FILE)." };
        var command = new Command("start", "Start the Bosun server: web UI at /, REST API under /api, API docs at /api/docs.")
        {
            host, port, database, insecure, keyFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new BosunServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Database = parse.GetValue(database)!,
                AllowAnonymous = parse.GetValue(insecure),
                KeyFile = parse.GetValue(keyFile) ?? Env("BOSUN_KEY_FILE"),
            };
            await using var server = BosunServer.Create(options);
            try
            {
                await server.StartAsync(cancellationToken);
            }
            catch (OptionsValidationException ex)
            {
                throw new CliException(string.Join(" ", ex.Failures));
            }
            catch (SchemaTooNewException ex)
            {
                throw new CliException(ex.Message);
            }
            catch (Bosun.Server.Security.InsecureBindException ex)
            {
                throw new CliException(ex.Message);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or System.Net.Sockets.SocketException && server.StoreDescription is { } store)
            {
                throw new CliException($"Cannot reach the database at {store}: {ex.Message}. Is PostgreSQL running and does the connection string name the right host, port and credentials?");
            }
            catch (IOException ex) when (ex.InnerException is SocketException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"Cannot listen on {options.Host}:{options.Port}: {ex.Message}. Is another server running? Pick another port with --port.");
            }

            Console.WriteLine($"Bosun server {BosunServer.Version} is running at {server.BaseAddress}");
            Console.WriteLine($"  Web UI:   {server.BaseAddress}");
            Console.WriteLine($"  API:      {server.ApiAddress}   (export BOSUN_API_URL={server.ApiAddress.ToString().TrimEnd('/')})");
            Console.WriteLine($"  API docs: {server.ApiAddress}docs");
            Console.WriteLine($"  Store:    {server.StoreDescription}");
            Console.WriteLine("Press Ctrl+C to stop.");
            await server.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
