using System.CommandLine;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Commands.Deploy;

/// <summary>`bosun init [--pool-type process|docker|kubernetes] [--pool NAME] [--flow NAME] [--name NAME] [--file PATH] [--force]`: writes a commented bosun.yaml.</summary>
internal static class InitCommand
{
    public static Command Create(CliContext context)
    {
        var poolType = new Option<string?>("--pool-type", "-t") { Description = $"The type of pool the deployment runs on: {string.Join(", ", WorkPoolTypes.All)} (asked when not given)." };
        poolType.AcceptOnlyFromAmong([.. WorkPoolTypes.All]);
        var pool = new Option<string?>("--pool", "-p") { Description = "The work pool (default my-<type>-pool)." };
        var flow = new Option<string?>("--flow") { Description = "The flow's name, as in [Flow(\"...\")] (default: the folder's name)." };
        var name = new Option<string>("--name", "-n") { Description = "The deployment's name.", DefaultValueFactory = _ => "my-first-deployment" };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing bosun.yaml." };
        var file = new Option<string>("--file", "-f") { Description = "Where to write it (beside the project).", DefaultValueFactory = _ => BosunYaml.DefaultFileName };
        var command = new BosunCommand("init", "Write a commented bosun.yaml for the .NET project in this folder (asking which pool type unless --pool-type), for `bosun deploy`.",
            "bosun init", "bosun init --pool-type docker --pool my-docker-pool --flow get-repo-info")
        {
            poolType, pool, flow, name, force, file,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new CliException($"{path} exists already; give --force to overwrite it.");
            }

            var type = parse.GetValue(poolType) ?? (context.Console.Profile.Capabilities.Interactive
                ? await context.Console.PromptAsync(new SelectionPrompt<string>().Title("Which type of work pool runs this deployment?").AddChoices(WorkPoolTypes.All), cancellationToken)
                : throw new CliException($"Give --pool-type ({string.Join(", ", WorkPoolTypes.All)}): there is no terminal to ask on."));
            var folder = Path.GetFileName(Path.GetDirectoryName(path))!;
            var text = Template(type, parse.GetValue(pool) ?? $"my-{type}-pool", parse.GetValue(flow) ?? folder.ToLowerInvariant(), parse.GetValue(name)!, folder.ToLowerInvariant());
            await File.WriteAllTextAsync(path, text, cancellationToken);
            context.Console.MarkupLineInterpolated($"Wrote {path} for a {type} pool. Check the flow's name, then: bosun deploy");
            return 0;
        });
        return command;
    }

    public static string Template(string poolType, string pool, string flow, string name, string image)
    {
        var runs = poolType == WorkPoolTypes.Process
            ? """
                  # Process pool: a worker starts the flow's executable. Pull steps fetch the code onto the worker's machine
                  # first, so that workers elsewhere run it too; the command is relative to where the steps leave it.
                  # Without pull steps, the command is this machine's path to the executable (workers here only).
                  # pull:
                  #   - git_clone:
                  #       id: clone
                  #       repository: https://github.com/me/my-flows.git
                  #       branch: main
                  #       credentials: "{{ secret.git-token }}"   # for a private repository
                  #   - dotnet_publish:
                  #       id: publish
                  #       project: .
                  # command: "dotnet {{ publish.dll }}"
              """
            : $"""
                  # {poolType} pool: the project is published into an image (generated Dockerfile, or `dockerfile`, whose
                  # ENTRYPOINT must start the flow's executable) and pushed to the registry its name names.
                  build:
                    image: 127.0.0.1:5000/{image}
                    tag: "1"
                    # dockerfile: Dockerfile
                    push: true
              """;
        return $"""
            # yaml-language-server: $schema=https://bosun.dev/schemas/bosun.schema.json
            # Deployments of this project; `bosun deploy` creates or updates them (docs/deployments-as-code.md).
            deployments:
              - name: {name}
                flow: {flow}                 # the name in [Flow("...")]
                project: .                   # the .NET project holding the flow, relative to this file
                work_pool:
                  name: {pool}
                  # work_queue_name: default
                  # job_variables: {"{"} env: {"{"} MODE: full {"}"} {"}"}
                # parameters: {"{"} repoName: PrefectHQ/prefect {"}"}
                # schedules:
                #   - cron: "0 9 * * MON-FRI"
                #     timezone: Europe/Berlin
                # catch_up: LATEST            # ALL, LATEST or SKIP: runs missed during an outage
                # concurrency_limit: {"{"} limit: 1, collision_strategy: CANCEL_NEW {"}"}
                # tags: [nightly]
                # description: What it does
                # version: "1.0"
            {runs}
            """;
    }
}
