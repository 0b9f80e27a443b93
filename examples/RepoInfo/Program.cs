using System.Text.Json.Nodes;
using Bosun.Sdk;
using RepoInfo;

// The flows this executable runs, registered once at start-up (a second flow with the same name is refused here).
var flows = new FlowRegistry().Add(RepoInfoFlows.GetRepoInfo).Add(RepoInfoFlows.RepoReport).Add(RepoInfoFlows.Summarize);

// Started by a worker or a serving process (BOSUN_FLOW_RUN_ID is set): run that flow run and exit.
if (await FlowRunEntryPoint.TryRunAsync(flows) is { } exitCode)
{
    return exitCode;
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
// --flow repo-report picks the second flow (tasks and a subflow); the tutorial's is the default.
var flow = flows.Find(Option("--flow") ?? "get-repo-info") ?? throw new ArgumentException($"no flow '{Option("--flow")}': {string.Join(", ", flows.Names)}");
var command = args.FirstOrDefault() ?? "help";

try
{
    switch (command)
    {
        case "deploy":
            // dotnet run -- deploy --pool my-docker-pool [--image my-first-deployment-image:tutorial [--dockerfile Dockerfile] [--push]] [--pull-policy Never]
            var jobVariables = new JsonObject();
            if (Option("--pull-policy") is { } policy)
            {
                jobVariables["image_pull_policy"] = policy;
            }

            DeploymentImage? image = Option("--image") is { } reference
                ? DeploymentImage.Parse(reference) with { Dockerfile = Option("--dockerfile") }
                : null;
            await flow.DeployAsync(Option("--name") ?? "my-first-deployment", Option("--pool") ?? "my-docker-pool", new DeployOptions
            {
                Image = image,
                Push = args.Contains("--push"),
                JobVariables = jobVariables,
            });
            return 0;

        case "serve":
            // dotnet run -- serve [--flow repo-report] [--name my-first-deployment] [--in-process]
            await flow.ServeAsync(Option("--name") ?? "my-first-deployment", new ServeOptions { InProcess = args.Contains("--in-process") });
            return 0;

        case "run":
            // dotnet run -- run [--repo-name dotnet/runtime]: calls the flow method directly, no server needed.
            await RepoInfoFlows.GetRepoInfo(Option("--repo-name") ?? "PrefectHQ/prefect", Option("--api-url") ?? "https://api.github.com");
            return 0;

        default:
            Console.WriteLine("usage: RepoInfo deploy --pool POOL [--name NAME] [--image NAME:TAG [--dockerfile FILE] [--push]] [--pull-policy Never]");
            Console.WriteLine("       RepoInfo serve [--flow get-repo-info|repo-report] [--name NAME] [--in-process]");
            Console.WriteLine("       RepoInfo run [--repo-name OWNER/NAME] [--api-url URL]");
            return command == "help" ? 0 : 2;
    }
}
catch (DeploymentException ex)
{
    Console.Error.WriteLine($"Error: {ex.Message}");
    return 1;
}
