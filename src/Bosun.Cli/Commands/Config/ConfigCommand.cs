using System.CommandLine;

namespace Bosun.Cli.Commands.Config;

/// <summary>`bosun config ...`: settings kept in named profiles.</summary>
internal static class ConfigCommand
{
    public static Command Create(CliContext context)
    {
        var command = new BosunCommand("config",
            "Keep the API URL and key in named profiles (BOSUN_HOME/profiles.json, default ~/.bosun); --profile or BOSUN_PROFILE picks one.",
            "bosun config set api-url http://127.0.0.1:4200/api", "bosun config view --profile prod");
        command.Subcommands.Add(ConfigSetCommand.Create(context));
        command.Subcommands.Add(ConfigViewCommand.Create(context));
        command.Subcommands.Add(ConfigUnsetCommand.Create(context));
        return command;
    }

    public static Argument<string> KeyArgument() => new("key") { Description = "The setting: api-url or api-key." };
}
