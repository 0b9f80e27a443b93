using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment resume 'flow/name'`.</summary>
internal static class DeploymentResumeCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var command = new BosunCommand("resume",
            "Resume a paused deployment.", "bosun deployment resume 'get-repo-info/nightly'")
        {
            name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            deployment = await client.ResumeDeploymentAsync(deployment.Id, cancellationToken);
            context.Console.MarkupLineInterpolated($"Resumed deployment '{deployment.FullName}'.");
            return 0;
        });
        return command;
    }
}
