using System.CommandLine;
using Bosun.Cli.Input;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deployment;

/// <summary>
/// `bosun deployment update 'flow/name' [--work-queue Q] [--param k=v]... [--params JSON] [--job-variable k=v]...
/// [--job-variables JSON] [--tag T]... [--description D] [--version V] [--concurrency-limit N] [--collision-strategy S]
/// [--catch-up P] [--paused true|false] [--retries N] [--retry-delay-seconds S] [--timeout-seconds S] [--crash-retries N]
/// [--crash-retry-delay-seconds S] [--start-timeout-seconds S] [--start-timeout-action A] [--entrypoint CMD] [--pull-steps JSON] [--clear FIELD]...`.
/// </summary>
internal static class DeploymentUpdateCommand
{
    public static Command Create(CliContext context)
    {
        var name = DeploymentCommand.NameArgument();
        var queue = new Option<string?>("--work-queue", "-q") { Description = "Move its new runs to this queue of its pool." };
        var param = new Option<string[]>("--param")
        {
            Description = "Set one default parameter, key=value (JSON when it is JSON, else text); the others stay. Repeatable.",
            HelpName = "key=value",
            Arity = ArgumentArity.OneOrMore,
        };
        var parameters = new Option<string?>("--params") { Description = "All default parameters as one JSON object (replaces them).", HelpName = "JSON" };
        var jobVariable = DeploymentPreviewJobCommand.JobVariableOption();
        jobVariable.Description = "Set one job variable, key=value; the others stay. Repeatable.";
        var jobVariables = new Option<string?>("--job-variables") { Description = "All job variables as one JSON object (replaces them).", HelpName = "JSON" };
        var tags = new Option<string[]>("--tag") { Description = "Its tags (replace the old ones). Repeatable.", Arity = ArgumentArity.OneOrMore };
        var description = new Option<string?>("--description") { Description = "New description." };
        var version = new Option<string?>("--version") { Description = "New version." };
        var limit = new Option<int?>("--concurrency-limit") { Description = "Most of its runs in flight at once (0 or more); --clear concurrency-limit for none." };
        var strategy = new Option<string?>("--collision-strategy") { Description = $"What happens to a run over the limit: {EnumNames.List<CollisionStrategy>()}." };
        var catchUp = new Option<string?>("--catch-up") { Description = $"What happens to scheduled runs missed during an outage: {EnumNames.List<CatchUpPolicy>()}." };
        var paused = new Option<bool?>("--paused") { Description = "true pauses it (no scheduled runs), false resumes it." };
        var retries = new Option<int?>("--retries") { Description = "Retries of a failed run." };
        var retryDelay = new Option<int?>("--retry-delay-seconds") { Description = "Seconds between retries." };
        var timeout = new Option<int?>("--timeout-seconds") { Description = "Longest its runs may stay RUNNING before they end FAILED TimedOut; --clear timeout-seconds for none." };
        var crashRetries = new Option<int?>("--crash-retries") { Description = "How many times a CRASHED run is scheduled again on fresh infrastructure." };
        var crashRetryDelay = new Option<int?>("--crash-retry-delay-seconds") { Description = "Seconds before such a new attempt." };
        var startTimeout = new Option<int?>("--start-timeout-seconds")
        {
            Description = "Longest its runs may wait after their scheduled time without reaching RUNNING; --clear start-timeout-seconds for none.",
        };
        var startTimeoutAction = new Option<string?>("--start-timeout-action")
        {
            Description = $"What happens to a run past its start timeout: {EnumNames.List<StartTimeoutAction>()} (FAIL unless set).",
        };
        var entrypoint = new Option<string?>("--entrypoint") { Description = "The command its runs start with (relative to where its pull steps leave the code)." };
        var pullSteps = new Option<string?>("--pull-steps") { Description = "All its pull steps as one JSON array (replaces them; process pools).", HelpName = "JSON" };
        var clear = new Option<string[]>("--clear")
        {
            Description = $"Empty a field: {string.Join(", ", DeploymentUpdate.ClearableFields.Select(Kebab))}. Repeatable.",
            HelpName = "FIELD",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = OutputOption.Create();
        var command = new BosunCommand("update",
            "Change a deployment's queue, parameters, job variables, tags, description, version, limit, catch-up policy, pause, retries, timeout, crash retries, start timeout, entrypoint or pull steps; what is not given stays.",
            "bosun deployment update 'etl/nightly' --work-queue high-priority",
            "bosun deployment update 'etl/nightly' --catch-up LATEST --concurrency-limit 1 --collision-strategy CANCEL_NEW",
            "bosun deployment update 'etl/nightly' --param day=yesterday --job-variable env.MODE=full --clear description")
        {
            name, queue, param, parameters, jobVariable, jobVariables, tags, description, version, limit, strategy, catchUp, paused, retries, retryDelay, timeout, crashRetries, crashRetryDelay, startTimeout,
            startTimeoutAction, entrypoint,
            pullSteps, clear, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cleared = (parse.GetValue(clear) ?? []).Select(field =>
            {
                var snake = field.Trim().Replace('-', '_').ToLowerInvariant();
                return DeploymentUpdate.ClearableFields.Contains(snake)
                    ? snake
                    : throw new CliException($"--clear '{field}' is not a field that can be emptied; use {string.Join(", ", DeploymentUpdate.ClearableFields.Select(Kebab))}.");
            }).Distinct().ToList();
            var paramPairs = parse.GetValue(param) ?? [];
            var variablePairs = parse.GetValue(jobVariable) ?? [];
            var update = new DeploymentUpdate(
                WorkQueueName: parse.GetValue(queue),
                Parameters: parse.GetValue(parameters) is { } parametersText ? JsonInput.ParseObject(parametersText, "--params") : null,
                JobVariables: parse.GetValue(jobVariables) is { } variablesText ? JsonInput.ParseObject(variablesText, "--job-variables") : null,
                Tags: parse.GetValue(tags) is { Length: > 0 } tagList ? tagList : null,
                Description: parse.GetValue(description),
                Version: parse.GetValue(version),
                ConcurrencyLimit: parse.GetValue(limit),
                CollisionStrategy: EnumOption.Parse<CollisionStrategy>(parse.GetValue(strategy), "--collision-strategy"),
                CatchUp: EnumOption.Parse<CatchUpPolicy>(parse.GetValue(catchUp), "--catch-up"),
                Paused: parse.GetValue(paused),
                Retries: parse.GetValue(retries),
                RetryDelaySeconds: parse.GetValue(retryDelay),
                Clear: cleared.Count > 0 ? cleared : null)
            {
                Entrypoint = parse.GetValue(entrypoint),
                TimeoutSeconds = parse.GetValue(timeout),
                CrashRetries = parse.GetValue(crashRetries),
                CrashRetryDelaySeconds = parse.GetValue(crashRetryDelay),
                StartTimeoutSeconds = parse.GetValue(startTimeout),
                StartTimeoutAction = EnumOption.Parse<StartTimeoutAction>(parse.GetValue(startTimeoutAction), "--start-timeout-action"),
                PullSteps = parse.GetValue(pullSteps) is { } stepsText ? JsonInput.ParseArray(stepsText, "--pull-steps") : null,
            };
            if (update == new DeploymentUpdate() && paramPairs.Length == 0 && variablePairs.Length == 0)
            {
                throw new CliException("Nothing to update: give at least one option (see `bosun deployment update --help`).");
            }

            using var client = context.CreateClient(parse);
            var deployment = await DeploymentCommand.GetAsync(client, parse.GetValue(name)!, cancellationToken);
            // --param and --job-variable change one key each: the rest is what the deployment has (secrets come back masked,
            // and the server keeps a masked value as it was).
            if (paramPairs.Length > 0)
            {
                update = update with { Parameters = KeyValueArguments.Parse(paramPairs, "--param", update.Parameters ?? (System.Text.Json.Nodes.JsonObject)deployment.Parameters.DeepClone()) };
            }

            if (variablePairs.Length > 0)
            {
                update = update with { JobVariables = KeyValueArguments.Parse(variablePairs, "--job-variable", update.JobVariables ?? (System.Text.Json.Nodes.JsonObject)deployment.JobVariables.DeepClone()) };
            }

            var updated = await client.UpdateDeploymentAsync(deployment.Id, update, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, updated, BosunJsonContext.Default.Deployment);
                return 0;
            }

            context.Console.MarkupLineInterpolated($"Updated deployment '{updated.FullName}'.");
            return 0;
        });
        return command;
    }

    private static string Kebab(string field) => field.Replace('_', '-');
}
