using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.Session;

/// <summary>`bosun session ls|revoke`: the web UI's sign-ins (admin keys only).</summary>
internal static class SessionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("session", "List and revoke web UI sessions (sign-ins with an API key; admin keys only).",
            "bosun session ls", "bosun session revoke 3f2b9c1e-...");
        command.Subcommands.Add(LsCommand(context));
        command.Subcommands.Add(RevokeCommand(context));
        return command;
    }

    private static BosunCommand LsCommand(CliContext context)
    {
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List web UI sessions, oldest first: the key, when it signed in, was last seen, and whether the session works now.",
            "bosun session ls", "bosun session ls --output json") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var sessions = await client.ListUiSessionsAsync(cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, sessions, BosunJsonContext.Default.UiSession);
                return 0;
            }

            if (sessions.Count == 0)
            {
                context.Console.MarkupLine("No web UI sessions.");
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Web UI sessions").AddColumns("Id", "Key", "Signed in", "Last seen", "Status");
            foreach (var session in sessions)
            {
                var status = session.Active ? "active" : session.Revoked is not null ? "ended" : session.Expires <= now ? "expired" : "key revoked or expired";
                table.AddRow(new Text(session.Id.ToString()), new Text(session.KeyName), new Text(RelativeTime.Format(session.Created, now)),
                    new Text(RelativeTime.Format(session.LastSeen, now)), new Text(status));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static BosunCommand RevokeCommand(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The session's id (see `bosun session ls`)." };
        var command = new BosunCommand("revoke", "End a web UI session at once, on every replica; its key keeps working.", "bosun session revoke 3f2b9c1e-...") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Guid.TryParse(parse.GetValue(id), out var sessionId))
            {
                throw new CliException($"'{parse.GetValue(id)}' is not a session id; list them with `bosun session ls`.");
            }

            using var client = context.CreateClient(parse);
            await client.RevokeUiSessionAsync(sessionId, cancellationToken);
            await context.Output.WriteLineAsync($"Revoked web UI session {sessionId}.");
            return 0;
        });
        return command;
    }
}
