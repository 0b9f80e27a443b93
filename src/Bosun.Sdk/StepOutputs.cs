using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Bosun.Sdk;

/// <summary>
/// <c>{{ step-id.output }}</c> references to bosun.yaml's deploy-time steps (build, push), filled in when
/// <c>bosun deploy</c> runs them. In a push step, <c>{{ env.NAME }}</c> reads the deploying machine's environment, so
/// registry credentials need not be written into the file. Every other reference (a pull step's output, a secret) is
/// kept for the worker, which resolves it at run time.
/// </summary>
internal static partial class StepOutputs
{
    public static JsonNode? Render(JsonNode? node, IReadOnlyDictionary<string, JsonObject> outputs, bool deployTime) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Render(pair.Value, outputs, deployTime)))),
        JsonArray array => new JsonArray([.. array.Select(item => Render(item, outputs, deployTime))]),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Reference().Replace(text, match => Replace(match, outputs, deployTime))),
        _ => node?.DeepClone(),
    };

    private static string Replace(Match match, IReadOnlyDictionary<string, JsonObject> outputs, bool deployTime)
    {
        var (id, name) = (match.Groups[1].Value, match.Groups[2].Value);
        if (deployTime && id == "env")
        {
            return Environment.GetEnvironmentVariable(name)
                ?? throw new DeploymentException($"{match.Value}: the environment variable {name} is not set.");
        }

        if (deployTime && id == "secret")
        {
            throw new DeploymentException(
                $"{match.Value}: secrets are resolved only by a worker for the run it starts; give push credentials as {{{{ env.NAME }}}}, or leave them to BOSUN_REGISTRY_USERNAME/PASSWORD or `docker login`.");
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
