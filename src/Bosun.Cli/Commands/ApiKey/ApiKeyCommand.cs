using System.CommandLine;
using Bosun.Cli.Output;
using Bosun.Contracts;
using Bosun.Contracts.Security;
using Spectre.Console;

namespace Bosun.Cli.Commands.ApiKey;

/// <summary>`bosun api-key create|ls|revoke`.</summary>
internal static class ApiKeyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("api-key", "Create, list and revoke API keys (roles: admin, developer, worker, viewer).",
            "bosun api-key create --name ci --role developer", "bosun api-key create --name admin --role admin --bootstrap-token bosun_bootstrap_...");
        command.Subcommands.Add(CreateCommand(context));
        command.Subcommands.Add(LsCommand(context));
        command.Subcommands.Add(RevokeCommand(context));
        return command;
    }

    private static BosunCommand CreateCommand(CliContext context)
    {
        var name = new Option<string>("--name") { Description = "Whose key it is, or what it is for.", Required = true };
        var role = new Option<string>("--role") { Description = "admin, developer, worker or viewer.", Required = true };
        var expires = new Option<int?>("--expires-in-days") { Description = "Days until it stops working (default: never)." };
        var pools = new Option<string[]>("--pool")
        {
            Description = "For a worker key: a work pool it serves (repeatable); elsewhere it is refused. Default: every pool.",
            HelpName = "NAME",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var bootstrap = new Option<string?>("--bootstrap-token")
        {
            Description = "Create the first admin key with the one-time token a server without one printed at start (- reads it from stdin).",
            HelpName = "TOKEN",
        };
        var output = OutputOption.Create();
        var command = new BosunCommand("create", "Create an API key. The key is printed once; store it now.",
            "bosun api-key create --name worker-1 --role worker",
            "bosun api-key create --name admin --role admin --bootstrap-token bosun_bootstrap_...",
            "sudo cat /root/.bosun/bootstrap-token | bosun api-key create --name admin --role admin --bootstrap-token -",
            "bosun api-key create --name gpu-worker --role worker --pool gpu")
        {
            name, role, expires, pools, bootstrap, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Enum.TryParse<ApiKeyRole>(parse.GetValue(role), ignoreCase: true, out var parsedRole) || !Enum.IsDefined(parsedRole))
            {
                throw new CliException($"'{parse.GetValue(role)}' is not a role; use admin, developer, worker or viewer.");
            }

            using var client = context.CreateClient(parse);
            ApiKeyCreated created;
            if (parse.GetValue(bootstrap) is { } given)
            {
                if (parsedRole != ApiKeyRole.Admin)
                {
                    throw new CliException("--bootstrap-token creates the first admin key: use --role admin (create other keys with it afterwards).");
                }

                var token = given == "-" ? (await context.Input.ReadToEndAsync(cancellationToken)).Trim() : given.Trim();
                created = await client.BootstrapApiKeyAsync(new ApiKeyBootstrap(token, parse.GetValue(name)!, parse.GetValue(expires)), cancellationToken);
            }
            else
            {
                var servedPools = parse.GetValue(pools) is { Length: > 0 } named ? named : null;
                created = await client.CreateApiKeyAsync(new ApiKeyCreate(parse.GetValue(name)!, parsedRole, parse.GetValue(expires)) { Pools = servedPools }, cancellationToken);
            }

            if (parse.IsJson(output))
            {
                JsonOutput.Write(context.Output, created, BosunJsonContext.Default.ApiKeyCreated);
                return 0;
            }

            context.Console.MarkupLineInterpolated($"Created {created.ApiKey.Role.ToString().ToLowerInvariant()} key '{created.ApiKey.Name}' ({created.ApiKey.Id}). This is the only time it is shown:");
            await context.Output.WriteLineAsync(created.Key);
            return 0;
        });
        return command;
    }

    private static BosunCommand LsCommand(CliContext context)
    {
        var output = OutputOption.Create();
        var command = new BosunCommand("ls", "List API keys: name, role, prefix, status (never the keys).", "bosun api-key ls") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = context.CreateClient(parse);
            var keys = await client.ListApiKeysAsync(cancellationToken);
            if (parse.IsJson(output))
            {
                JsonOutput.WriteList(context.Output, keys, BosunJsonContext.Default.ApiKey);
                return 0;
            }

            var now = context.Time.GetUtcNow();
            var table = new Table().Title("API keys").AddColumns("Id", "Name", "Role", "Pools", "Prefix", "Status", "Last used");
            foreach (var key in keys)
            {
                var status = key.Revoked ? "revoked" : key.Expires is { } when && when <= now ? "expired" : "active";
                table.AddRow(key.Id.ToString(), key.Name, key.Role.ToString().ToLowerInvariant(), key.Pools is { } served ? string.Join(", ", served) : "all",
                    key.Prefix + "…", status, RelativeTime.Format(key.LastUsed, now));
            }

            context.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static BosunCommand RevokeCommand(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The key's id (see `bosun api-key ls`)." };
        var command = new BosunCommand("revoke", "Revoke an API key: it is refused from the next request on.", "bosun api-key revoke 3f2b9c1e-...") { id };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Guid.TryParse(parse.GetValue(id), out var keyId))
            {
                throw new CliException($"'{parse.GetValue(id)}' is not a key id; list them with `bosun api-key ls`.");
            }

            using var client = context.CreateClient(parse);
            await client.RevokeApiKeyAsync(keyId, cancellationToken);
            await context.Output.WriteLineAsync($"Revoked API key {keyId}.");
            return 0;
        });
        return command;
    }
}
