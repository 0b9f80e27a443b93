using Bosun.Sdk;
using MyFlows;

// The flows this executable runs, registered once at start-up.
var flows = new FlowRegistry().Add(HelloFlows.Hello);

// Started by a worker, a serving process or `bosun deploy` (BOSUN_FLOW_RUN_ID / BOSUN_DEPLOY_FILE is set): do that and exit.
if (await FlowRunEntryPoint.TryRunAsync(flows) is { } exitCode)
{
    return exitCode;
}

var flow = flows.Find("hello")!;
var command = args.FirstOrDefault() ?? "help";
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

try
{
    switch (command)
    {
        case "run":
            // dotnet run -- run [--who NAME]: calls the flow method directly, no server needed.
            HelloFlows.Hello(Option("--who") ?? "world");
            return 0;

        case "serve":
            // dotnet run -- serve [--name hello-served]: runs the flow's runs in this process until Ctrl+C.
            await flow.ServeAsync(Option("--name") ?? "hello-served");
            return 0;

        case "deploy":
            // dotnet run -- deploy --pool my-process-pool [--name hello-from-code]; `bosun deploy` of bosun.yaml does the same from the file.
            await flow.DeployAsync(Option("--name") ?? "hello-from-code", Option("--pool") ?? "my-process-pool");
            return 0;

        default:
            Console.WriteLine("usage: MyFlows run [--who NAME]");
            Console.WriteLine("       MyFlows serve [--name NAME]");
            Console.WriteLine("       MyFlows deploy [--pool POOL] [--name NAME]   (or: bosun deploy, with bosun.yaml)");
            return command == "help" ? 0 : 2;
    }
}
catch (DeploymentException ex)
{
    Console.Error.WriteLine($"Error: {ex.Message}");
    return 1;
}
