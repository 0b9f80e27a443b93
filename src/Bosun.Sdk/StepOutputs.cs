using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bosun.Sdk;

/// <summary>
/// <c>{{ step-id.output }}</c> references to bosun.yaml's deploy-time steps (build, push), filled in when
/// <c>bosun deploy</c> runs them. In those steps, <c>{{ env.NAME }}</c> reads the deploying machine's environment and
/// <c>{{ secret.NAME }}</c> a secret the deploying key read from the server (<see cref="SecretNames"/>), so registry
/// credentials need not be written into the file. Every other reference (a pull step's output, a secret in a job
/// variable) is kept for the worker, which resolves it at run time.
/// </summary>
internal static partial class StepOutputs
{
    /// <summary>Fills the references of <paramref name="node"/>; at deploy time, <paramref name="secrets"/> holds the values of its <c>{{ secret.NAME }}</c>.</summary>
    public static JsonNode? Render(JsonNode? node, IReadOnlyDictionary<string, JsonObject> outputs, bool deployTime, IReadOnlyDictionary<string, string>? secrets = null) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Render(pair.Value, outputs, deployTime, secrets)))),
        JsonArray array => new JsonArray([.. array.Select(item => Render(item, outputs, deployTime, secrets))]),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Reference().Replace(text, match => Replace(match, outputs, deployTime, secrets))),
        _ => node?.DeepClone(),
    };

    /// <summary>The names of the secrets <paramref name="node"/> refers to as <c>{{ secret.NAME }}</c>.</summary>
    public static IReadOnlyList<string> SecretNames(JsonNode? node) => node switch
    {
        JsonObject obj => [.. obj.SelectMany(pair => SecretNames(pair.Value)).Distinct(StringComparer.Ordinal)],
        JsonArray array => [.. array.SelectMany(SecretNames).Distinct(StringComparer.Ordinal)],
        JsonValue value when value.TryGetValue<string>(out var text) =>
            [.. Reference().Matches(text).Where(match => match.Groups[1].Value == "secret").Select(match => match.Groups[2].Value).Distinct(StringComparer.Ordinal)],
        _ => [],
    };

    private static string Replace(Match match, IReadOnlyDictionary<string, JsonObject> outputs, bool deployTime, IReadOnlyDictionary<string, string>? secrets)
    {
        var (id, name) = (match.Groups[1].Value, match.Groups[2].Value);
        if (deployTime && id == "env")
        {
            return Environment.GetEnvironmentVariable(name)
                ?? throw new DeploymentException($"{match.Value}: the environment variable {name} is not set.");
        }

        if (deployTime && id == "secret")
        {
            return secrets is not null && secrets.TryGetValue(name, out var secret)
                ? secret
                : throw new DeploymentException($"{match.Value}: the secret was not read from the server (deploy with an API key of role developer or admin).");
        }

        if (!outputs.TryGetValue(id, out var step))
        {
            return match.Value;
        }

        return step[name]?.GetValue<string>()
            ?? throw new DeploymentException($"{match.Value}: step '{id}' has no output '{name}' (it has {string.Join(", ", step.Select(pair => pair.Key))}).");
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_.-]{1,100})\s*\}\}")]
    private static partial Regex Reference();
}
