using System.CommandLine;
using Bosun.Cli.Commands.Deployment;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>`bosun deployment schedule pause|resume 'flow/name' ID`.</summary>
internal static class ScheduleActiveCommand
{
    public static Command Create(CliContext context, string verb, bool active)
    {
        var name = DeploymentCommand.NameArgument();
        var id = ScheduleCommand.ScheduleIdArgument();
        var command = new BosunCommand(verb,
            active ? "Resume a paused schedule: the scheduler creates its runs again." : "Pause a schedule: its future runs are removed and no new ones are created.",
            $"bosun deployment schedule {verb} 'etl/nightly' 3f2b9c1e-0000-0000-0000-000000000000")
        {
            name, id,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            var schedule = await client.SetScheduleActiveAsync(deployment.Id, ScheduleCommand.ParseId(parse.GetValue(id)!), active, cancellationToken);
            await context.Output.WriteLineAsync($"{(active ? "Resumed" : "Paused")} schedule {schedule.Id} of '{deployment.FullName}' ({ScheduleCommand.Describe(schedule)}).");
            return 0;
        });
        return command;
    }
}
