using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment pause 'flow/name'`.</summary>
internal static class DeploymentPauseCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var command = new BosunCommand("pause",
            "Pause a deployment: its schedules create no new runs until it is resumed.", "bosun deployment pause 'get-repo-info/nightly'")
        {
            name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            deployment = await client.PauseDeploymentAsync(deployment.Id, cancellationToken);
            context.Console.MarkupLineInterpolated($"Paused deployment '{deployment.FullName}'.");
            return 0;
        });
        return command;
    }
}
