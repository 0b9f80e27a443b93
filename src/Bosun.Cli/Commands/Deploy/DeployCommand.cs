using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Bosun.Cli.Configuration;
using Bosun.Shared;

namespace Bosun.Cli.Commands.Deploy;

/// <summary>
/// `bosun deploy [NAME...] [--all] [--file bosun.yaml] [--configuration Release] [--no-build]`: checks the file, then
/// runs each deployment's .NET project (<c>dotnet run</c>) with BOSUN_DEPLOY_FILE naming the deployments to register:
/// the flow's own executable deploys them, so parameters' schema and image come from its code (docs/deployments-as-code.md).
/// </summary>
internal static class DeployCommand
{
    public static Command Create(CliContext context)
    {
        var names = new Argument<string[]>("name")
        {
            Description = "Deployments of the file to deploy, by name or flow/name (all of them when the file has one, or with --all).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var all = new Option<bool>("--all") { Description = "Deploy every deployment of the file." };
        var file = new Option<string>("--file", "-f") { Description = "The deployments file.", DefaultValueFactory = _ => BosunYaml.DefaultFileName };
        var configuration = new Option<string>("--configuration", "-c") { Description = "Build configuration of the projects.", DefaultValueFactory = _ => "Release" };
        var noBuild = new Option<bool>("--no-build") { Description = "Use the projects as last built (dotnet run --no-build)." };
        var command = new BosunCommand("deploy",
            "Create or update the deployments of a bosun.yaml: pool, queue, parameters, job variables, schedules, limits, tags, image build and pull steps. Deploying an unchanged file changes nothing.",
            "bosun deploy --all",
            "bosun deploy my-first-deployment --file deploy/bosun.yaml",
            "bosun deploy 'get-repo-info/nightly' --no-build")
        {
            names, all, file, configuration, noBuild,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var yaml = BosunYaml.Load(parse.GetValue(file)!);
            var chosen = Choose(yaml, parse.GetValue(names) ?? [], parse.GetValue(all));
            var settings = ApiSettings.Resolve(parse, context);
            foreach (var group in chosen.GroupBy(entry => ProjectOf(yaml, entry), StringComparer.Ordinal))
            {
                await DeployProjectAsync(context, group.Key, [.. group], settings, parse.GetValue(configuration)!, parse.GetValue(noBuild), cancellationToken);
            }

            return 0;
        });
        return command;
    }

    private static List<JsonObject> Choose(BosunYaml yaml, string[] names, bool all)
    {
        if (all || (names.Length == 0 && yaml.Deployments.Count == 1))
        {
            return [.. yaml.Deployments];
        }

        if (names.Length == 0)
        {
            throw new CliException($"{yaml.Path} has {yaml.Deployments.Count} deployments ({string.Join(", ", yaml.Deployments.Select(FullName))}): name the ones to deploy, or give --all.");
        }

        return names.Select(name => yaml.Deployments.SingleOrDefault(entry => FullName(entry) == name || (string?)entry["name"] == name)
            ?? throw new CliException($"{yaml.Path} has no deployment '{name}' (it has {string.Join(", ", yaml.Deployments.Select(FullName))}).")).Distinct().ToList();
    }

    private static string FullName(JsonObject entry) => $"{entry["flow"]}/{entry["name"]}";

    private static string ProjectOf(BosunYaml yaml, JsonObject entry)
    {
        var project = Path.GetFullPath((string?)entry["project"] ?? ".", yaml.Directory);
        return Directory.Exists(project) || File.Exists(project)
            ? project
            : throw new CliException($"The project '{entry["project"]}' of deployment '{FullName(entry)}' does not exist ({project}).");
    }

    private static async Task DeployProjectAsync(
        CliContext context, string project, IReadOnlyList<JsonObject> deployments, ApiSettings settings, string configuration, bool noBuild, CancellationToken cancellationToken)
    {
        var request = Path.Combine(Path.GetTempPath(), $"bosun-deploy-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(request, new JsonObject { ["deployments"] = new JsonArray([.. deployments.Select(d => d.DeepClone())]) }.ToJsonString(), cancellationToken);
        try
        {
            await context.Output.WriteLineAsync($"Deploying {string.Join(", ", deployments.Select(FullName))} from {project}{(noBuild ? "" : " (building it first)")}.");
            var info = new ProcessStartInfo("dotnet");
            foreach (var argument in (string[])["run", "--project", project, "-c", configuration, "--no-launch-profile"])
            {
                info.ArgumentList.Add(argument);
            }

            if (noBuild)
            {
                info.ArgumentList.Add("--no-build");
            }

            info.Environment["BOSUN_DEPLOY_FILE"] = request;
            info.Environment["BOSUN_API_URL"] = settings.ApiUrl.ToString();
            info.Environment["BOSUN_FLOW_RUN_ID"] = null;
            if (settings.ApiKey is { } key)
            {
                info.Environment["BOSUN_API_KEY"] = key;
            }

            // Its output is the command's; of its errors, the last line is the reason told.
            var lastError = "";
            void OnLine(string line, bool fromErrorStream)
            {
                if (!fromErrorStream)
                {
                    lock (context.Output)
                    {
                        context.Output.WriteLine(line);
                    }
                }
                else if (line.Length > 0)
                {
                    lastError = line.StartsWith("Error: ", StringComparison.Ordinal) ? line["Error: ".Length..] : line;
                }
            }

            var (exitCode, _) = await StreamedProcess.RunAsync(info, OnLine, keepOutput: false, cancellationToken);
            if (exitCode != 0)
            {
                throw new CliException($"deploying from {project} failed (exit code {exitCode}): {lastError}");
            }
        }
        finally
        {
            File.Delete(request);
        }
    }
}
