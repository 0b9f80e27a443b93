using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Contracts.WorkPools;
using System.Text.Json;
using Spectre.Console;

namespace Bosun.Cli.Commands.WorkPool;

/// <summary>`bosun work-pool update NAME [--description D] [--base-job-template FILE] [--concurrency-limit N]`.</summary>
internal static class WorkPoolUpdateCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkPoolCommand.NameArgument();
        var description = new Option<string?>("--description") { Description = "New description." };
        var template = new Option<string?>("--base-job-template") { Description = "A JSON file with the new base job template.", HelpName = "FILE" };
        var limit = new Option<int?>("--concurrency-limit") { Description = "New concurrency limit (0 delivers nothing)." };
        var policy = new Option<string?>("--job-variable-policy")
        {
            Description = "A JSON file with the new job-variable policy (variable name to {\"mode\": \"open|constrained|locked\", ...}); replaces the old one.",
            HelpName = "FILE",
        };
        var command = new BosunCommand("update",
            "Change a work pool's description, base job template or concurrency limit; what is not given stays.",
            "bosun work-pool update my-docker-pool --description \"GPU machines\"",
            "bosun work-pool update my-docker-pool --base-job-template template.json",
            "bosun work-pool update my-docker-pool --job-variable-policy policy.json")
        {
            name, description, template, limit, policy,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var poolName = parse.GetValue(name)!;
            var newDescription = parse.GetValue(description);
            var newTemplate = parse.GetValue(template) is { } file ? JsonInput.ReadObjectFile(file, "--base-job-template") : null;
            var limitGiven = parse.GetResult(limit) is not null;
            var newPolicy = parse.GetValue(policy) is { } policyFile ? ReadPolicy(policyFile) : null;
            if (newDescription is null && newTemplate is null && !limitGiven && newPolicy is null)
            {
                throw new CliException("Nothing to update: give --description, --base-job-template, --job-variable-policy or --concurrency-limit.");
            }

            using var client = context.CreateClient(parse);
            if (newDescription is not null || newTemplate is not null || newPolicy is not null)
            {
                await client.UpdateWorkPoolAsync(poolName, new WorkPoolUpdate(newDescription, newTemplate) { JobVariablePolicy = newPolicy }, cancellationToken);
            }

            if (limitGiven)
            {
                await client.SetWorkPoolConcurrencyLimitAsync(poolName, parse.GetValue(limit), cancellationToken);
            }

            context.Console.MarkupLineInterpolated($"Updated work pool '{poolName}'.");
            return 0;
        });
        return command;
    }

    private static IReadOnlyDictionary<string, JobVariableRule> ReadPolicy(string file)
    {
        var json = JsonInput.ReadObjectFile(file, "--job-variable-policy");
        try
        {
            return json.Deserialize(Contracts.BosunJsonContext.Default.IReadOnlyDictionaryStringJobVariableRule)
                ?? throw new CliException("--job-variable-policy: the file holds null; give an object of variable name to rule.");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new CliException($"--job-variable-policy: {file} is not a policy ({ex.Message}); write it like {{\"privileged\": {{\"mode\": \"locked\"}}}}.", ex);
        }
    }
}
