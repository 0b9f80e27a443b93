using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Spectre.Console;

namespace Bosun.Cli.Commands.Secret;

/// <summary>`bosun secret set|ls|delete`: secrets that job variables refer to as {{ secret.NAME }}.</summary>
internal static class SecretCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("secret", "Store secrets, encrypted at rest; job variables use them as {{ secret.NAME }} and only workers resolve them.",
            "printf '%s' \"$DB_PASSWORD\" | bosun secret set db-password", "bosun secret ls");
        command.Subcommands.Add(SetCommand(context));
        command.Subcommands.Add(LsCommand(context));
        command.Subcommands.Add(DeleteCommand(context));
        return command;
    }

    private static BosunCommand SetCommand(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The secret's name (letters, digits, - _ .)." };
        var command = new BosunCommand("set", "Store a secret; its value is read from standard input (never from the command line).",
            "bosun secret set registry-token < ./token.txt") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var value = (await context.Input.ReadToEndAsync(cancellationToken)).TrimEnd('\r', '\n');
            if (value.Length == 0)
            {
                throw new CliException("No value on standard input; pipe it in, e.g. `printf '%s' \"$VALUE\" | bosun secret set NAME`.");
            }

            using var client = context.CreateClient(parse);
            await client.SetSecretAsync(parse.GetValue(name)!, value, cancellationToken);
            await context.Output.WriteLineAsync($"Stored secret '{parse.GetValue(name)}'. Refer to it in job variables as {{{{ secret.{parse.GetValue(name)} }}}}.");
            return 0;
        });
        return command;
    }

    private static BosunCommand LsCommand(CliContext context)
    {
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List secret names (never values).", "bosun secret ls") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var secrets = await client.ListSecretsAsync(cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, secrets, BosunJsonContext.Default.SecretInfo);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("Secrets").AddColumns("Name", "Updated");
            foreach (var secret in secrets)
            {
                table.AddRow(secret.Name, RelativeTime.Format(secret.Updated, now));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static BosunCommand DeleteCommand(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The secret's name." };
        var command = new BosunCommand("delete", "Delete a secret.", "bosun secret delete db-password") { name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            await client.DeleteSecretAsync(parse.GetValue(name)!, cancellationToken);
            await context.Output.WriteLineAsync($"Deleted secret '{parse.GetValue(name)}'.");
            return 0;
        });
        return command;
    }
}
