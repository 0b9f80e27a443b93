using Bosun.Client;
using Bosun.Contracts.FlowRuns;

namespace Bosun.Cli.Commands.FlowRun;

/// <summary>A flow run named on the command line by its id or by its (generated, readable) name.</summary>
internal static class FlowRunReference
{
    public static System.CommandLine.Argument<string> Argument() => new("id") { Description = "The flow run's id, or its name (e.g. crimson-fox)." };

    public static async Task<Guid> ResolveAsync(BosunClient client, string text, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        var page = await client.ListFlowRunsAsync(new FlowRunFilter(Search: text, Limit: 500), cancellationToken);
        var matches = page.Items.Where(run => string.Equals(run.Name, text, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0].Id,
            0 => throw new CliException($"No flow run has the id or name '{text}'. List runs with `bosun flow-run ls`."),
            _ => throw new CliException($"{matches.Count} flow runs are named '{text}'; use the id instead ({string.Join(", ", matches.Select(run => run.Id))})."),
        };
    }
}
