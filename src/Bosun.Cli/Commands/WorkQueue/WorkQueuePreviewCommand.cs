using System.CommandLine;
using Bosun.Cli.Commands.WorkPool;
using Bosun.Cli.Output;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.States;

namespace Bosun.Cli.Commands.WorkQueue;

/// <summary>`bosun work-queue preview NAME --pool P [--hours H]`.</summary>
internal static class WorkQueuePreviewCommand
{
    public static Command Create(CliContext context)
    {
        var name = WorkQueueCommand.NameArgument();
        var pool = WorkQueueCommand.PoolOption();
        var hours = WorkPoolPreviewCommand.HoursOption();
        var output = OutputOption.Create();
        var command = new BosunCommand("preview",
            "Show the scheduled runs of a work queue due within the next hours (late runs included).",
            "bosun work-queue preview default --pool my-docker-pool --hours 24")
        {
            name, pool, hours, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (poolName, queueName) = (parse.GetValue(pool)!, parse.GetValue(name)!);
            var window = WorkPoolPreviewCommand.Hours(parse, hours);
            using var client = context.CreateClient(parse);
            await client.GetWorkQueueAsync(poolName, queueName, cancellationToken);
            var filter = new FlowRunFilter(States: [StateType.Scheduled], WorkPoolName: poolName, WorkQueueName: queueName,
                ExpectedStartBefore: context.Time.GetUtcNow().AddHours(window), Limit: 500);
            await WorkPoolPreviewCommand.WriteAsync(context, client, filter, parse.IsJson(output), $"work queue '{queueName}' of pool '{poolName}'",
                window, cancellationToken);
            return 0;
        });
        return command;
    }
}
