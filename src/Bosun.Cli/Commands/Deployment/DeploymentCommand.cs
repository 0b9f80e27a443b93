using System.CommandLine;
using Bosun.Client;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment ...`.</summary>
internal static class DeploymentCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("deployment",
            "Work with deployments: list, inspect, run, update, pause, preview the job a run would get.",
            "bosun deployment ls", "bosun deployment run 'get-repo-info/my-first-deployment' --watch");
        command.Subcommands.Add(DeploymentLsCommand.Create(context));
        command.Subcommands.Add(DeploymentInspectCommand.Create(context));
        command.Subcommands.Add(DeploymentRunCommand.Create(context));
        command.Subcommands.Add(DeploymentUpdateCommand.Create(context));
        command.Subcommands.Add(DeploymentDeleteCommand.Create(context));
        command.Subcommands.Add(DeploymentPauseCommand.Create(context));
        command.Subcommands.Add(DeploymentResumeCommand.Create(context));
        command.Subcommands.Add(DeploymentPreviewJobCommand.Create(context));
        command.Subcommands.Add(DeploymentExemptCommand.Create(context));
        command.Subcommands.Add(Schedule.ScheduleCommand.Create(context));
        return command;
    }

    public static Argument<string> NameArgument() => new("name") { Description = "The deployment, written flow-name/deployment-name." };

    /// <summary>Reads a deployment by its address; a malformed address is a one-line error, not an ArgumentException.</summary>
    public static Task<Contracts.Deployments.Deployment> GetAsync(BosunClient client, string fullName, CancellationToken cancellationToken)
    {
        var slash = fullName.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == fullName.Length - 1)
        {
            throw new CliException($"'{fullName}' is not a deployment name; write it as flow-name/deployment-name (see `bosun deployment ls`).");
        }

        return client.GetDeploymentByNameAsync(fullName, cancellationToken);
    }
}
