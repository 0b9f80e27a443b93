using System.CommandLine;
using Bosun.Cli.Commands.Server;

namespace Bosun.Cli;

/// <summary>The `bosun` command tree and its error handling: user mistakes are one line and exit code 1.</summary>
internal static class BosunCli
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Bosun: workflow orchestration for .NET. Work pools, workers, deployments and flow runs.");
        var server = new Command("server", "Run the Bosun server (API and web UI).");
        server.Subcommands.Add(ServerStartCommand.Create());
        root.Subcommands.Add(server);
        root.Subcommands.Add(Commands.Worker.WorkerCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var parse = BuildRoot().Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"Error: {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
    }
}
