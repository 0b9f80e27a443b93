using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Contracts.Deployments;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>
/// `bosun deployment exempt 'flow/name' --job-variable privileged=true --reason TEXT` (or `--clear`): an admin's override of
/// the pool's job-variable policy for one deployment (docs/security.md).
/// </summary>
internal static class DeploymentExemptCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var jobVariables = new Option<string[]>("--job-variable")
        {
            Description = "A job variable to approve with its value, key=value (value read as JSON, else as text); it is set on the deployment. Repeatable.",
            HelpName = "key=value",
            AllowMultipleArgumentsPerToken = false,
        };
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit log." };
        var clear = new Option<bool>("--clear") { Description = "Remove the override: the pool's policy holds again for every job variable." };
        var command = new BosunCommand("exempt",
            "Approve job-variable values for one deployment despite its pool's policy (admin; recorded in the audit log).",
            "bosun deployment exempt 'train/gpu' --job-variable privileged=true --reason 'GPU driver needs it'", "bosun deployment exempt 'train/gpu' --clear")
        {
            name, jobVariables, reason, clear,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var pairs = parse.GetValue(jobVariables) ?? [];
            var clearing = parse.GetValue(clear);
            if (clearing == pairs.Length > 0)
            {
                throw new CliException(clearing
                    ? "--clear removes the whole override; give it without --job-variable."
                    : "Nothing to approve: give --job-variable key=value (repeatable), or --clear to remove the override.");
            }

            var approved = KeyValueArguments.Parse(pairs, "--job-variable");
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            deployment = await client.SetDeploymentPolicyExemptionsAsync(deployment.Id, new PolicyExemptionUpdate(approved, parse.GetValue(reason)), cancellationToken);
            if (clearing)
            {
                context.Console.MarkupLineInterpolated($"Removed the policy override of deployment '{deployment.FullName}'.");
            }
            else
            {
                context.Console.MarkupLineInterpolated($"Deployment '{deployment.FullName}' may keep {string.Join(", ", approved.Select(pair => pair.Key))} despite its pool's policy.");
            }

            return 0;
        });
        return command;
    }
}
