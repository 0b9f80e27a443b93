using System.CommandLine;
using System.Net.Sockets;
using Bosun.Server;
using Bosun.Server.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Bosun.Cli.Commands.Server;

/// <summary>
/// `bosun server start`: the API (and UI) on an embedded SQLite file by default. Every setting of
/// <see cref="BosunServerSettings"/> is a flag here, an environment variable and a key of appsettings.json.
/// </summary>
internal static class ServerStartCommand
{
    public static Command Create(CliContext context)
    {
        var config = new Option<string?>("--config")
        {
            Description = "An appsettings JSON file whose \"Bosun\" section holds settings (default: appsettings.json in the current folder, if any; BOSUN_CONFIG).",
            HelpName = "FILE",
        };
        var flags = BosunServerSettings.All.ToDictionary(setting => setting, Option (setting) => setting.Kind == ServerSettingKind.Flag
            ? new Option<bool>(setting.Flag) { Description = $"{setting.Description} ({setting.EnvironmentVariable})" }
            : new Option<string?>(setting.Flag)
            {
                Description = $"{setting.Description} Default: {setting.Default} ({setting.EnvironmentVariable}).",
                HelpName = setting.Kind switch
                {
                    ServerSettingKind.Duration => "DURATION",
                    ServerSettingKind.Number => "N",
                    _ => setting.Name.ToUpperInvariant(),
                },
            });
        var command = new Command("start", "Start the Bosun server: web UI at /, REST API under /api, API docs at /api/docs.") { config };
        foreach (var option in flags.Values)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var (options, failures) = BosunServerSettings.Load(ReadAppSettings(parse.GetValue(config) ?? context.Env("BOSUN_CONFIG")), context.Env, setting => flags[setting] switch
            {
                Option<bool> flag => parse.GetValue(flag) ? "true" : null,
                Option<string?> text => parse.GetValue(text),
                _ => null,
            });
            if (failures.Count > 0)
            {
                throw new CliException($"The server's settings are not valid: {string.Join(" ", failures)}");
            }

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
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or SocketException && server.StoreDescription is { } store)
            {
                throw new CliException($"Cannot reach the database at {store}: {ex.Message}. Is PostgreSQL running and does the connection string name the right host, port and credentials?");
            }
            catch (IOException ex) when (ex.InnerException is SocketException || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"Cannot listen on {options.Host}:{options.Port}: {ex.Message}. Is another server running? Pick another port with --port.");
            }

            var output = context.Output;
            await output.WriteLineAsync($"Bosun server {BosunServer.Version} is running at {server.BaseAddress}");
            await output.WriteLineAsync($"  Web UI:   {server.BaseAddress}");
            await output.WriteLineAsync($"  API:      {server.ApiAddress}   (export BOSUN_API_URL={server.ApiAddress.ToString().TrimEnd('/')})");
            await output.WriteLineAsync($"  API docs: {server.ApiAddress}docs");
            await output.WriteLineAsync($"  Store:    {server.StoreDescription}");
            if (server.BootstrapToken is { } token)
            {
                await output.WriteLineAsync("No admin API key yet. Create the first one with this one-time token (it works until an admin key exists):");
                await output.WriteLineAsync($"  bosun api-key create --name admin --role admin --bootstrap-token {token}");
                await output.WriteLineAsync($"  (the token is also in {server.BootstrapTokenFile}, readable by this user only)");
            }

            await output.WriteLineAsync("Press Ctrl+C to stop.");
            await output.FlushAsync(cancellationToken);
            await server.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>appsettings.json of the current folder when there is one, or the file named; a named file that is missing is an error.</summary>
    private static IConfiguration? ReadAppSettings(string? path)
    {
        var file = path ?? Path.Combine(Environment.CurrentDirectory, "appsettings.json");
        if (!File.Exists(file))
        {
            return path is null ? null : throw new CliException($"The settings file '{path}' does not exist.");
        }

        try
        {
            return new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(file), optional: false).Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException)
        {
            throw new CliException($"Cannot read the settings file '{file}': {ex.Message}");
        }
    }

}
