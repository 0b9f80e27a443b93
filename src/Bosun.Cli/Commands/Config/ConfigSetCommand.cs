using System.CommandLine;
using Bosun.Cli.Configuration;
using Bosun.Client;
using Spectre.Console;

namespace Bosun.Cli.Commands.Config;

/// <summary>`bosun config set KEY VALUE [--profile P]`.</summary>
internal static class ConfigSetCommand
{
    public static Command Create(CliContext context)
    {
        var key = ConfigCommand.KeyArgument();
        var value = new Argument<string>("value") { Description = "The value to store." };
        var command = new BosunCommand("set",
            "Store a setting in the active profile (created if new).",
            "bosun config set api-url http://127.0.0.1:4200/api", "bosun config set api-key s3cret --profile prod")
        {
            key, value,
        };
        command.SetAction(parse =>
        {
            var (settingKey, settingValue) = (parse.GetValue(key)!, parse.GetValue(value)!);
            ProfileStore.CheckKey(settingKey);
            if (settingKey == ProfileStore.ApiUrlKey)
            {
                try
                {
                    BosunClientOptions.NormalizeApiUrl(settingValue);
                }
                catch (ArgumentException)
                {
                    throw new CliException($"'{settingValue}' is not an http(s) address such as {ApiSettings.DefaultApiUrl}.");
                }
            }

            var (profileName, _) = ApiSettings.ResolveProfileName(parse, context);
            var store = new ProfileStore(context.HomeDirectory);
            var profiles = store.Load();
            if (!profiles.TryGetValue(profileName, out var profile))
            {
                profiles[profileName] = profile = new SortedDictionary<string, string>(StringComparer.Ordinal);
            }

            profile[settingKey] = settingValue;
            store.Save(profiles);
            context.Console.MarkupLineInterpolated($"Set {settingKey} in profile '{profileName}' ({store.FilePath}).");
            return 0;
        });
        return command;
    }
}
