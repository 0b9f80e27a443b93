using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bosun.Client;
using Bosun.Contracts.Security;
using Bosun.Worker.Infrastructure;

namespace Bosun.Worker;

/// <summary>
/// Secrets by reference: job variables hold <c>{{ secret.NAME }}</c>; only the worker resolves them, for the run it
/// claimed, after rendering and just before creating the infrastructure. The values live only in that configuration.
/// </summary>
internal static partial class SecretReferences
{
    public static async Task<JsonObject> ResolveAsync(JsonObject configuration, BosunClient client, Guid runId, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        Collect(configuration, names);
        if (names.Count == 0)
        {
            return configuration;
        }

        Dictionary<string, string> values;
        try
        {
            values = await client.ResolveSecretsAsync(new SecretResolveRequest(runId, names.ToList()), cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex)
        {
            throw new SubmissionException($"the job refers to secrets that could not be resolved: {ex.Message}", ex);
        }

        return (JsonObject)Replace(configuration, values)!;
    }

    private static void Collect(JsonNode? node, HashSet<string> names)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Collect(value, names);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, names);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                foreach (Match match in Reference().Matches(text))
                {
                    names.Add(match.Groups[1].Value);
                }

                break;
        }
    }

    private static JsonNode? Replace(JsonNode? node, Dictionary<string, string> values) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Replace(pair.Value, values)))),
        JsonArray array => new JsonArray(array.Select(item => Replace(item, values)).ToArray()),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Reference().Replace(text, match => values[match.Groups[1].Value])),
        _ => node?.DeepClone(),
    };

    [GeneratedRegex(@"\{\{\s*secret\.([A-Za-z0-9._-]{1,100})\s*\}\}")]
    private static partial Regex Reference();
}
