using System.CommandLine;

namespace Bosun.Cli.Commands.Worker;

/// <summary>`bosun worker ...`.</summary>
internal static class WorkerCommand
{
    public static Command Create(CliContext context)
    {
        var worker = new Command("worker", "Start a worker that runs a work pool's flow runs.");
        worker.Subcommands.Add(WorkerStartCommand.Create(context));
        return worker;
    }
}
