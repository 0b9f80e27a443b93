using System.CommandLine;
using System.Text.Json.Nodes;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.WorkPools;
using Bosun.Worker.Infrastructure;
using Bosun.Worker.Infrastructure.Kubernetes;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>
/// `bosun deployment preview-job 'flow/name' [--job-variable k=v]...`: the rendered job, nothing runs. For a kubernetes
/// pool, the Job manifest as the worker creates it, in YAML.
/// </summary>
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
            WriteConfiguration(context, preview.WorkPoolType, preview.Configuration);
            WritePolicyFindings(context, preview);
            return 0;
        });
        return command;
    }

    /// <summary>What the pool's job-variable policy set back (locked) or refuses (constrained): such a run would be refused (422).</summary>
    public static void WritePolicyFindings(CliContext context, JobPreview preview)
    {
        foreach (var finding in preview.PolicyLocked ?? [])
        {
            context.Console.MarkupLineInterpolated($"[yellow]Policy changed[/] {finding.Variable}: {finding.Message} (the job shows the pool's value).");
        }

        foreach (var finding in preview.PolicyRefused ?? [])
        {
            context.Console.MarkupLineInterpolated($"[red]Policy refuses[/] {finding.Variable}: {finding.Message}.");
        }
    }

    /// <summary>Shared with `work-pool preview --job`: JSON, or for a kubernetes pool the completed Job manifest as YAML.</summary>
    public static void WriteConfiguration(CliContext context, string poolType, JsonObject configuration)
    {
        if (poolType != WorkPoolTypes.Kubernetes)
        {
            context.Output.WriteLine(JsonOutput.Format(configuration));
            return;
        }

        JsonObject manifest;
        try
        {
            manifest = KubernetesJobManifest.Build(configuration, new Dictionary<string, string?>(), new Dictionary<string, string>(), "flow-run-name");
        }
        catch (SubmissionException ex)
        {
            throw new CliException($"The pool's job manifest cannot be made into a Job: {ex.Message}.", ex);
        }

        context.Output.Write(KubernetesJobManifest.ToYaml(manifest));
        var settings = new JsonObject();
        foreach (var (key, value) in configuration.Where(c => c.Key is not ("job_manifest" or "env" or "labels")))
        {
            settings[key] = value?.DeepClone();
        }

        context.Output.WriteLine("# The worker adds the run's io.bosun.* labels and annotations and its BOSUN_* environment variables, and watches it with:");
        foreach (var line in KubernetesJobManifest.ToYaml(settings).TrimEnd('\n').Split('\n'))
        {
            context.Output.WriteLine($"#   {line}");
        }
    }

    public static Option<string[]> JobVariableOption() => new("--job-variable")
    {
        Description = "A job variable for this run, key=value (value read as JSON, else as text); env.NAME=value sets one environment variable. Repeatable.",
        HelpName = "key=value",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };
}
