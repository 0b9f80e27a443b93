using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;

namespace Bosun.Sdk.Images;

/// <summary>
/// Credentials for pushing to a registry: BOSUN_REGISTRY_USERNAME and BOSUN_REGISTRY_PASSWORD when set, else the entry
/// for that registry in the user's Docker config (<c>$DOCKER_CONFIG/config.json</c> or <c>~/.docker/config.json</c>,
/// written by <c>docker login</c>). Credential helpers (credsStore) are not read.
/// </summary>
internal static class RegistryAuth
{
    public const string UsernameVariable = "BOSUN_REGISTRY_USERNAME";
    public const string PasswordVariable = "BOSUN_REGISTRY_PASSWORD";
    public const string DockerHub = "https://index.docker.io/v1/";

    /// <summary>The credentials for <paramref name="registry"/> (null: Docker Hub) and where they came from, or null.</summary>
    public static (AuthConfig Auth, string Source)? Find(string? registry)
    {
        var server = registry ?? DockerHub;
        var username = Environment.GetEnvironmentVariable(UsernameVariable);
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password))
        {
            return (new AuthConfig { Username = username, Password = password, ServerAddress = server }, $"{UsernameVariable}/{PasswordVariable}");
        }

        var configPath = ConfigPath();
        if (!File.Exists(configPath))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(configPath));
        if (!document.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var entry in auths.EnumerateObject())
        {
            if (!SameRegistry(entry.Name, server))
            {
                continue;
            }

            var auth = new AuthConfig { ServerAddress = server };
            if (entry.Value.TryGetProperty("auth", out var encoded) && encoded.GetString() is { Length: > 0 } basic)
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                auth.Username = colon >= 0 ? pair[..colon] : pair;
                auth.Password = colon >= 0 ? pair[(colon + 1)..] : "";
            }

            if (entry.Value.TryGetProperty("identitytoken", out var token) && token.GetString() is { Length: > 0 } identityToken)
            {
                auth.IdentityToken = identityToken;
            }

            if (auth.Username is not null || auth.IdentityToken is not null)
            {
                return (auth, configPath);
            }
        }

        return null;
    }

    private static string ConfigPath()
    {
        var directory = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        return Path.Combine(
            string.IsNullOrEmpty(directory) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker") : directory,
            "config.json");
    }

    /// <summary>"127.0.0.1:5055", "https://127.0.0.1:5055" and "http://127.0.0.1:5055/v2/" name the same registry.</summary>
    private static bool SameRegistry(string key, string server)
    {
        static string Host(string value)
        {
            var text = value;
            foreach (var scheme in (string[])["https://", "http://"])
            {
                if (text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
                {
                    text = text[scheme.Length..];
                }
            }

            var slash = text.IndexOf('/', StringComparison.Ordinal);
            text = slash >= 0 ? text[..slash] : text;
            return text is "docker.io" or "registry-1.docker.io" or "index.docker.io" ? "index.docker.io" : text;
        }

        return string.Equals(Host(key), Host(server), StringComparison.OrdinalIgnoreCase);
    }
}
