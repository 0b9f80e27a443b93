using System.Text.Json.Nodes;
using Bosun.Sdk;

if (await FlowRunEntryPoint.TryRunAsync() is { } exitCode)
{
    return exitCode;
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var flowName = Option("--flow") ?? throw new ArgumentException("--flow NAME is required");
var flow = FlowRegistry.From(typeof(Program).Assembly).Find(flowName) ?? throw new ArgumentException($"no flow '{flowName}'");
var name = Option("--name") ?? "test";
try
{
    switch (args.FirstOrDefault())
    {
        case "deploy":
            var variables = new JsonObject();
            foreach (var pair in args.Zip(args.Skip(1)).Where(p => p.First == "--job-variable").Select(p => p.Second))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                variables[pair[..equals]] = pair[(equals + 1)..];
            }

            await flow.DeployAsync(name, Option("--pool")!, new DeployOptions { JobVariables = variables, Image = Option("--image") });
            return 0;
        case "serve":
            var limit = int.TryParse(Option("--limit"), out var l) ? l : 10;
            var grace = double.TryParse(Option("--grace"), System.Globalization.CultureInfo.InvariantCulture, out var g) ? g : 1;
            await flow.ServeAsync(name, new ServeOptions { InProcess = args.Contains("--in-process"), Limit = limit, ShutdownGracePeriod = TimeSpan.FromSeconds(grace) });
            return 0;
        default:
            Console.Error.WriteLine("usage: deploy|serve --flow NAME --name NAME [--pool POOL] [--in-process]");
            return 2;
    }
}
catch (DeploymentException ex)
{
    Console.Error.WriteLine($"Error: {ex.Message}");
    return 1;
}
