using System.CommandLine;
using System.Text.Json.Nodes;
using Bosun.Cli.Configuration;
using Bosun.Cli.Output;

namespace Bosun.Cli.Commands.Config;

/// <summary>`bosun config view [--show-secrets]`: the settings in force and where each comes from.</summary>
internal static class ConfigViewCommand
{
    public static Command Create(CliContext context)
    {
        var showSecrets = new Option<bool>("--show-secrets") { Description = "Show the API key instead of ********." };
        var output = OutputOption.Create();
        var command = new BosunCommand("view",
            "Show the settings in force (options, environment, profile, defaults) and where each comes from.",
            "bosun config view", "BOSUN_PROFILE=prod bosun config view --output json")
        {
            showSecrets, output,
        };
        command.SetAction(parse =>
        {
            var settings = ApiSettings.Resolve(parse, context);
            var key = settings.ApiKey is null ? null : parse.GetValue(showSecrets) ? settings.ApiKey : "********";
            var file = new ProfileStore(context.HomeDirectory).FilePath;
            if (parse.IsJson(output))
            {
                JsonOutput.WriteNode(context.Output, new JsonObject
                {
                    ["profile"] = settings.ProfileName,
                    ["profile_source"] = settings.ProfileSource,
                    ["profiles_file"] = file,
                    ["api_url"] = settings.ApiUrl.ToString(),
                    ["api_url_source"] = settings.ApiUrlSource,
                    ["api_key"] = key,
                    ["api_key_source"] = settings.ApiKeySource,
                });
                return 0;
            }

            new DetailsGrid()
                .Add("Profile", $"{settings.ProfileName} (from {settings.ProfileSource})")
                .Add("Profiles file", file)
                .Add(ProfileStore.ApiUrlKey, $"{settings.ApiUrl} (from {settings.ApiUrlSource})")
                .Add(ProfileStore.ApiKeyKey, key is null ? "not set" : $"{key} (from {settings.ApiKeySource})")
                .WriteTo(context.Console);
            return 0;
        });
        return command;
    }
}
