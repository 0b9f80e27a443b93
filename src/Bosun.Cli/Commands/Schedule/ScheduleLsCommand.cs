using System.CommandLine;
using Bosun.Cli.Commands.Deployment;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>`bosun deployment schedule ls 'flow/name'`.</summary>
internal static class ScheduleLsCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List a deployment's schedules.", "bosun deployment schedule ls 'etl/nightly'") { name, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, deployment.Schedules, BosunJsonContext.Default.DeploymentSchedule);
                return 0;
            }

            if (deployment.Schedules.Count == 0)
            {
                context.Console.WriteLine($"'{deployment.FullName}' has no schedules. Add one with `bosun deployment schedule add '{deployment.FullName}' --cron '0 * * * *'`.");
                return 0;
            }

            ScheduleCommand.WriteList(context, deployment.Schedules);
            return 0;
        });
        return command;
    }
}
