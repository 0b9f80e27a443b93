using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>`bosun deployment preview-job 'flow/name' [--job-variable k=v]...`: the rendered job, nothing runs.</summary>
internal static class DeploymentPreviewJobCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var jobVariables = JobVariableOption();
        var output = OutputOption.Create();
        var command = new BosunCommand("preview-job",
            "Print the job configuration a run of the deployment would get (secrets masked); nothing runs.",
            "bosun deployment preview-job 'get-repo-info/my-first-deployment' --job-variable image_pull_policy=Never")
        {
            name, jobVariables, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = KeyValueArguments.Parse(parse.GetValue(jobVariables), "--job-variable");
            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            var preview = await client.PreviewJobAsync(deployment.Id, new JobPreviewRequest(overrides.Count > 0 ? overrides : null), cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, preview, BosunJsonContext.Default.JobPreview);
                return 0;
            }

            context.Console.MarkupLineInterpolated($"Job for a run of [aqua]{deployment.FullName}[/] on work pool '{preview.WorkPoolName}' ({preview.WorkPoolType}):");
            context.Output.WriteLine(JsonOutput.Format(preview.Configuration));
            return 0;
        });
        return command;
    }

    public static Option<string[]> JobVariableOption() => new("--job-variable")
    {
        Description = "A job variable for this run, key=value (value read as JSON, else as text); env.NAME=value sets one environment variable. Repeatable.",
        HelpName = "key=value",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };
}
