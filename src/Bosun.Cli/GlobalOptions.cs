using System.CommandLine;

namespace Bosun.Cli;

/// <summary>Options every command accepts (recursive on the root): where the API is, how to authenticate, which profile.</summary>
internal static class GlobalOptions
{
    public const string ApiUrl = "--api-url";
    public const string ApiKey = "--api-key";
    public const string Profile = "--profile";

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(new Option<string?>(ApiUrl)
        {
            Description = "The Bosun API, e.g. http://127.0.0.1:4200/api. Default: BOSUN_API_URL, then the profile's api-url, then http://127.0.0.1:4200/api.",
            Recursive = true,
        });
        root.Options.Add(new Option<string?>(ApiKey)
        {
            Description = "API key sent as a bearer token. Default: BOSUN_API_KEY, then the profile's api-key.",
            Recursive = true,
        });
        root.Options.Add(new Option<string?>(Profile)
        {
            Description = "The settings profile to use (see `bosun config`). Default: BOSUN_PROFILE, then 'default'.",
            Recursive = true,
        });
    }
}
