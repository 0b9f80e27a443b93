using System.CommandLine;
using Bosun.Cli.Commands.Deployment;

namespace Bosun.Cli.Commands.Schedule;

/// <summary>`bosun deployment schedule delete 'flow/name' ID`.</summary>
internal static class ScheduleDeleteCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var id = ScheduleCommand.ScheduleIdArgument();
        var command = new BosunCommand("delete", "Delete a schedule and the future runs it created.",
            "bosun deployment schedule delete 'etl/nightly' 3f2b9c1e-0000-0000-0000-000000000000")
        {
            name, id,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            var scheduleId = ScheduleCommand.ParseId(parse.GetValue(id)!);
            await client.DeleteScheduleAsync(deployment.Id, scheduleId, cancellationToken);
            await context.Output.WriteLineAsync($"Deleted schedule {scheduleId} of '{deployment.FullName}'.");
            return 0;
        });
        return command;
    }
}
