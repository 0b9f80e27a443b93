using System.CommandLine;
using Bosun.Cli.Configuration;
using Spectre.Console;

namespace Bosun.Cli.Commands.Config;

/// <summary>`bosun config unset KEY [--profile P]`.</summary>
internal static class ConfigUnsetCommand
{
    public static Command Create(CliContext context)
    {
        var key = ConfigCommand.KeyArgument();
        var command = new BosunCommand("unset",
            "Remove a setting from the active profile: the default (or the environment variable) applies again.", "bosun config unset api-key")
        {
            key,
        };
        command.SetAction(parse =>
        {
            var settingKey = parse.GetValue(key)!;
            ProfileStore.CheckKey(settingKey);
            var (profileName, _) = ApiSettings.ResolveProfileName(parse, context);
            var store = new ProfileStore(context.HomeDirectory);
            var profiles = store.Load();
            if (!profiles.TryGetValue(profileName, out var profile) || !profile.Remove(settingKey))
            {
                context.Console.MarkupLineInterpolated($"{settingKey} is not set in profile '{profileName}'; nothing to do.");
                return 0;
            }

            store.Save(profiles);
            context.Console.MarkupLineInterpolated($"Unset {settingKey} in profile '{profileName}'.");
            return 0;
        });
        return command;
    }
}
