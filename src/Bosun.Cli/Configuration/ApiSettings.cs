using System.CommandLine;
using Bosun.Client;

namespace Bosun.Cli.Configuration;

/// <summary>
/// Where the API is and how to authenticate, with where each value came from. Each setting is taken from the first of:
/// its command-line option, its environment variable, the active profile, the default.
/// </summary>
internal sealed record ApiSettings(string ProfileName, string ProfileSource, Uri ApiUrl, string ApiUrlSource, string? ApiKey, string? ApiKeySource)
{
    public const string DefaultApiUrl = "http://127.0.0.1:4200/api";

    public static ApiSettings Resolve(ParseResult parseResult, CliContext context)
    {
        var (profileName, profileSource) = ResolveProfileName(parseResult, context);
        var store = new ProfileStore(context.HomeDirectory);
        var profiles = store.Load();
        if (!profiles.TryGetValue(profileName, out var profile))
        {
            if (profileSource != "default")
            {
                throw new CliException($"There is no profile '{profileName}' in {store.FilePath}; create it with `bosun config set api-url URL --profile {profileName}`.");
            }

            profile = new SortedDictionary<string, string>(StringComparer.Ordinal);
        }

        var (url, urlSource) = Pick(parseResult.GetValue<string?>(GlobalOptions.ApiUrl), "--api-url",
            context.Env("BOSUN_API_URL"), "BOSUN_API_URL", profile, ProfileStore.ApiUrlKey, profileName);
        url ??= DefaultApiUrl;
        urlSource ??= "default";
        Uri apiUrl;
        try
        {
            apiUrl = BosunClientOptions.NormalizeApiUrl(url);
        }
        catch (ArgumentException)
        {
            throw new CliException($"The API URL '{url}' (from {urlSource}) is not an http(s) address such as {DefaultApiUrl}.");
        }

        var (key, keySource) = Pick(parseResult.GetValue<string?>(GlobalOptions.ApiKey), "--api-key",
            context.Env("BOSUN_API_KEY"), "BOSUN_API_KEY", profile, ProfileStore.ApiKeyKey, profileName);
        return new ApiSettings(profileName, profileSource, apiUrl, urlSource, key, keySource);
    }

    public static (string Name, string Source) ResolveProfileName(ParseResult parseResult, CliContext context)
    {
        if (parseResult.GetValue<string?>(GlobalOptions.Profile) is { Length: > 0 } option)
        {
            return (option, "--profile");
        }

        return context.Env("BOSUN_PROFILE") is { } variable ? (variable, "BOSUN_PROFILE") : (ProfileStore.DefaultProfile, "default");
    }

    private static (string? Value, string? Source) Pick(string? option, string optionName, string? variable, string variableName,
        SortedDictionary<string, string> profile, string key, string profileName)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return (option, optionName);
        }

        if (variable is not null)
        {
            return (variable, variableName);
        }

        return profile.TryGetValue(key, out var stored) && stored.Length > 0 ? (stored, $"profile '{profileName}'") : (null, null);
    }
}
