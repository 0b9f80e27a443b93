using System.Text.Json.Nodes;

namespace Bosun.Worker.Infrastructure;

/// <summary>The <c>registry_credentials</c> job variable: used to log in, only when a pull happens.</summary>
internal sealed record DockerRegistryCredentials(string Username, string Password, string? Registry)
{
    public static DockerRegistryCredentials? From(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject credentials)
        {
            throw new SubmissionException("registry_credentials must be an object with username, password and registry");
        }

        var username = Text(credentials, "username");
        var password = Text(credentials, "password");
        if (username is null && password is null)
        {
            return null;
        }

        return username is null || password is null
            ? throw new SubmissionException("registry_credentials needs both a username and a password")
            : new DockerRegistryCredentials(username, password, Text(credentials, "registry"));
    }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{Username} @ {Registry ?? "(the image's registry)"}";

    private static string? Text(JsonObject credentials, string key) =>
        credentials[key] is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrEmpty(text) ? text : null;
}
