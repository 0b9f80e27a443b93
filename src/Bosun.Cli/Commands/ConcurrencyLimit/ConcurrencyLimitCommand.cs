using System.CommandLine;
using System.Globalization;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.ConcurrencyLimits;
using Spectre.Console;

namespace Bosun.Cli.Commands.ConcurrencyLimit;

/// <summary>`bosun concurrency-limit create|ls|inspect|delete`: tag limits on how many task runs run at once across all flow runs.</summary>
internal static class ConcurrencyLimitCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("concurrency-limit",
            "Limit how many task runs with a tag run at once, across all flow runs ([Task(\"name\", Tags = [\"TAG\"])]).",
            "bosun concurrency-limit create database 2", "bosun concurrency-limit ls");
        command.Subcommands.Add(CreateCommand(context));
        command.Subcommands.Add(LsCommand(context));
        command.Subcommands.Add(InspectCommand(context));
        command.Subcommands.Add(DeleteCommand(context));
        return command;
    }

    private static BosunCommand CreateCommand(CliContext context)
    {
        var tag = new Argument<string>("tag") { Description = "The task tag to limit." };
        var limit = new Argument<int>("limit") { Description = "Most task runs with the tag running at once (0 holds them all back)." };
        var command = new BosunCommand("create", "Create a tag's concurrency limit, or change the limit it has.", "bosun concurrency-limit create database 2") { tag, limit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var created = await client.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate(parse.GetValue(tag)!, parse.GetValue(limit)), cancellationToken);
            await context.Output.WriteLineAsync($"Concurrency limit for tag '{created.Tag}': {created.Limit} (slots in use: {created.ActiveSlots}).");
            return 0;
        });
        return command;
    }

    private static BosunCommand LsCommand(CliContext context)
    {
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List tag concurrency limits with their slots in use.", "bosun concurrency-limit ls") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var limits = await client.ListConcurrencyLimitsAsync(cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, limits, BosunJsonContext.Default.ConcurrencyLimit);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Concurrency limits").AddColumns("Tag", "Limit", "In use", "Updated");
            foreach (var limit in limits)
            {
                table.AddRow(Markup.Escape(limit.Tag), limit.Limit.ToString(CultureInfo.InvariantCulture),
                    limit.ActiveSlots.ToString(CultureInfo.InvariantCulture), RelativeTime.Format(limit.Updated, now));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static BosunCommand InspectCommand(CliContext context)
    {
        var tag = new Argument<string>("tag") { Description = "The limited tag." };
        var output = OutputOption.Create();
        var command = new BosunCommand("inspect", "Show a tag's concurrency limit and the task runs holding its slots.", "bosun concurrency-limit inspect database") { tag, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var limit = await client.GetConcurrencyLimitAsync(parse.GetValue(tag)!, cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, limit, BosunJsonContext.Default.ConcurrencyLimit);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var zone = context.Time.LocalTimeZone;
            new DetailsGrid()
                .Add("Tag", new Text(limit.Tag, new Style(Color.Aqua)))
                .Add("Id", limit.Id.ToString())
                .Add("Limit", limit.Limit.ToString(CultureInfo.InvariantCulture))
                .Add("In use", limit.ActiveSlots.ToString(CultureInfo.InvariantCulture))
                .Add("Held by task runs", limit.ActiveTaskRunIds.Count == 0 ? "none" : string.Join(Environment.NewLine, limit.ActiveTaskRunIds))
                .Add("Created", RelativeTime.WithClock(limit.Created, now, zone))
                .Add("Updated", RelativeTime.WithClock(limit.Updated, now, zone))
                .WriteTo(context.Console);
            return 0;
        });
        return command;
    }

    private static BosunCommand DeleteCommand(CliContext context)
    {
        var tag = new Argument<string>("tag") { Description = "The limited tag." };
        var command = new BosunCommand("delete", "Delete a tag's concurrency limit: its task runs are no longer held back.", "bosun concurrency-limit delete database") { tag };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            await client.DeleteConcurrencyLimitAsync(parse.GetValue(tag)!, cancellationToken);
            await context.Output.WriteLineAsync($"Deleted the concurrency limit for tag '{parse.GetValue(tag)}'.");
            return 0;
        });
        return command;
    }
}
