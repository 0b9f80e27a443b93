using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Cli.Configuration;

/// <summary>
/// Named profiles of settings (api-url, api-key) in <c>profiles.json</c> under the CLI's home folder:
/// <c>{"profiles": {"default": {"api-url": "...", "api-key": "..."}}}</c>.
/// </summary>
internal sealed class ProfileStore(string directory)
{
    public const string DefaultProfile = "default";
    public const string ApiUrlKey = "api-url";
    public const string ApiKeyKey = "api-key";

    /// <summary>The settings a profile may hold.</summary>
    public static IReadOnlyList<string> Keys { get; } = [ApiUrlKey, ApiKeyKey];

    public string FilePath { get; } = Path.Combine(directory, "profiles.json");

    /// <summary>Every profile with its settings; empty when the file does not exist yet.</summary>
    public SortedDictionary<string, SortedDictionary<string, string>> Load()
    {
        var profiles = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        if (!File.Exists(FilePath))
        {
            return profiles;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(FilePath));
        }
        catch (JsonException ex)
        {
            throw new CliException($"The profiles file {FilePath} is not valid JSON ({ex.Message}). Fix it or delete it.", ex);
        }

        if (root?["profiles"] is not JsonObject all)
        {
            return profiles;
        }

        foreach (var (name, settings) in all)
        {
            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (settings is JsonObject settingsObject)
            {
                foreach (var (key, value) in settingsObject)
                {
                    if (value is JsonValue text && text.TryGetValue<string>(out var s))
                    {
                        values[key] = s;
                    }
                }
            }

            profiles[name] = values;
        }

        return profiles;
    }

    public void Save(SortedDictionary<string, SortedDictionary<string, string>> profiles)
    {
        var all = new JsonObject();
        foreach (var (name, settings) in profiles)
        {
            var values = new JsonObject();
            foreach (var (key, value) in settings)
            {
                values[key] = value;
            }

            all[name] = values;
        }

        Directory.CreateDirectory(directory);
        var text = new JsonObject { ["profiles"] = all }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        // Written beside and renamed over, so a crash never leaves half a file; owner-only because it may hold an API key.
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, text + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    public static void CheckKey(string key)
    {
        if (!Keys.Contains(key, StringComparer.Ordinal))
        {
            throw new CliException($"Unknown setting '{key}'; the settings are {string.Join(", ", Keys)}.");
        }
    }
}
