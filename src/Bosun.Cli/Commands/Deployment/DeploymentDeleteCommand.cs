using System.CommandLine;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment delete 'flow/name'`.</summary>
internal static class DeploymentDeleteCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var command = new BosunCommand("delete",
            "Delete a deployment and its runs that have not started.", "bosun deployment delete 'get-repo-info/my-first-deployment'")
        {
            name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            await client.DeleteDeploymentAsync(deployment.Id, cancellationToken);
            context.Console.MarkupLineInterpolated($"Deleted deployment '{deployment.FullName}'.");
            return 0;
        });
        return command;
    }
}
