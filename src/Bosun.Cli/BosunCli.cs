using System.CommandLine;
using System.CommandLine.Invocation;
using Bosun.Cli.Commands.Completion;
using Bosun.Cli.Commands.Config;
using Bosun.Cli.Commands.Deployment;
using Bosun.Cli.Commands.FlowRun;
using Bosun.Cli.Commands.Server;
using Bosun.Cli.Commands.WorkPool;
using Bosun.Cli.Commands.WorkQueue;
using Bosun.Client;

namespace Bosun.Cli;

/// <summary>The `bosun` command tree and its error handling: user mistakes are one line on stderr and exit code 1.</summary>
internal static class BosunCli
{
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("Bosun: workflow orchestration for .NET. Work pools, workers, deployments and flow runs.");
        GlobalOptions.AddTo(root);
        var server = new Command("server", "Run the Bosun server (API and web UI).");
        server.Subcommands.Add(ServerStartCommand.Create(context));
        root.Subcommands.Add(server);
        root.Subcommands.Add(WorkPoolCommand.Create(context));
        root.Subcommands.Add(WorkQueueCommand.Create(context));
        root.Subcommands.Add(Commands.Worker.WorkerCommand.Create(context));
        root.Subcommands.Add(DeploymentCommand.Create(context));
        root.Subcommands.Add(FlowRunCommand.Create(context));
        root.Subcommands.Add(Commands.TaskRun.TaskRunCommand.Create(context));
        root.Subcommands.Add(ConfigCommand.Create(context));
        root.Subcommands.Add(Commands.ApiKey.ApiKeyCommand.Create(context));
        root.Subcommands.Add(Commands.Session.SessionCommand.Create(context));
        root.Subcommands.Add(Commands.Secret.SecretCommand.Create(context));
        root.Subcommands.Add(Commands.ConcurrencyLimit.ConcurrencyLimitCommand.Create(context));
        root.Subcommands.Add(Commands.Audit.AuditCommand.Create(context));
        root.Subcommands.Add(Commands.Automation.AutomationCommand.Create(context));
        root.Subcommands.Add(CompletionCommand.Create(context));
        root.Subcommands.Add(Commands.Deploy.DeployCommand.Create(context));
        root.Subcommands.Add(Commands.Deploy.InitCommand.Create(context));
        CommandHelp.AddExamplesTo(root);
        return root;
    }

    /// <summary>
    /// The real process: SIGINT/SIGTERM cancel the command (a watch says the run goes on; a worker drains) instead of
    /// System.CommandLine's handler, which ends the process 2 s after the signal whatever the command is doing.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var signals = new Bosun.Worker.ShutdownSignals();
        var context = CliContext.FromProcess(signals);
        return await RunAsync(args, context, signals.Stopping);
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parse = BuildRoot(context).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            var errors = string.Join("; ", parse.Errors.Select(error => error.Message.TrimEnd('.')).Distinct());
            var path = string.Join(' ', Path(parse.CommandResult.Command));
            return await FailAsync(context, $"{errors}. See `{path} --help`.");
        }

        try
        {
            var invocation = new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = context.Output,
                Error = context.Error,
                // Signals are ours (ShutdownSignals): a drain may take minutes, and a second Ctrl+C means something else.
                ProcessTerminationTimeout = null,
            };
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (CliException ex)
        {
            return await FailAsync(context, ex.Message);
        }
        catch (BosunApiException ex)
        {
            return await FailAsync(context, ex.Message);
        }
        catch (BosunServerUnreachableException ex)
        {
            return await FailAsync(context, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception ex) when (context.Env("BOSUN_DEBUG") is null)
        {
            // A bug, not a user mistake; still no stack trace unless asked for.
            return await FailAsync(context, $"{ex.GetType().Name}: {ex.Message} (set BOSUN_DEBUG=1 for the stack trace, and please report it).");
        }
    }

    private static async Task<int> FailAsync(CliContext context, string message)
    {
        await context.Error.WriteLineAsync($"Error: {message.ReplaceLineEndings(" ")}");
        await context.Error.FlushAsync();
        return 1;
    }

    private static List<string> Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command current; symbol = current.Parents.FirstOrDefault())
        {
            names.Insert(0, current is RootCommand ? "bosun" : current.Name);
        }

        return names;
    }
}
