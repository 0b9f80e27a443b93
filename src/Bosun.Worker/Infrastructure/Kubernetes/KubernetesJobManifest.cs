using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// The Job a kubernetes pool's run gets: the rendered <c>job_manifest</c>, completed the way the worker creates it.
/// The worker and the previews (<c>bosun deployment preview-job</c>, <c>bosun work-pool preview --job</c>) both use it,
/// so what a preview shows is what is created.
/// </summary>
public static partial class KubernetesJobManifest
{
    /// <summary>
    /// Completes the rendered <c>job_manifest</c> of <paramref name="configuration"/>: the namespace (the
    /// <c>namespace</c> variable, else <c>default</c>), a generated name from <c>name</c> or <paramref name="fallbackName"/>,
    /// <paramref name="labels"/> on the Job and its pod (values shortened to what Kubernetes accepts, exact values as
    /// annotations), the <c>env</c> object and <paramref name="environment"/> as the container's env list (a null value
    /// removes a variable), a <c>command</c> string split into arguments, image pull secret names as references, and
    /// empty resource sections dropped.
    /// </summary>
    /// <param name="configuration">The rendered job configuration of a kubernetes pool.</param>
    /// <param name="environment">Variables every flow-run container gets, below the <c>env</c> variable.</param>
    /// <param name="labels">Labels that identify the run; they win over user labels of the same key.</param>
    /// <param name="fallbackName">The Job name prefix when <c>name</c> is unset (the run's name).</param>
    /// <returns>A new batch/v1 Job as JSON.</returns>
    /// <exception cref="SubmissionException">The manifest is missing, is not a batch/v1 Job, or has no image.</exception>
    public static JsonObject Build(JsonObject configuration, IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, string> labels, string fallbackName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(labels);
        if (configuration["job_manifest"] is not JsonObject rendered)
        {
            throw new SubmissionException("the job configuration has no job_manifest object: the pool's base job template must contain one");
        }

        var manifest = rendered.DeepClone().AsObject();
        if (Text(manifest["apiVersion"]) != "batch/v1" || Text(manifest["kind"]) != "Job")
        {
            throw new SubmissionException($"job_manifest must be a batch/v1 Job, not {Text(manifest["apiVersion"]) ?? "(no apiVersion)"} {Text(manifest["kind"]) ?? "(no kind)"}");
        }

        var metadata = ObjectAt(manifest, "metadata");
        metadata["namespace"] = Text(metadata["namespace"]) ?? Text(configuration["namespace"]) ?? "default";
        if (Text(metadata["name"]) is null)
        {
            metadata.Remove("name");
            var prefix = Text(metadata["generateName"]);
            metadata["generateName"] = KubernetesNames.GenerateName(prefix is null || prefix.Trim('-').Length == 0
                ? Text(configuration["name"]) ?? fallbackName
                : prefix);
        }

        AddLabels(metadata, labels);
        var spec = ObjectAt(manifest, "spec");
        var template = ObjectAt(spec, "template");
        AddLabels(ObjectAt(template, "metadata"), labels);
        var podSpec = ObjectAt(template, "spec");
        if (podSpec["imagePullSecrets"] is JsonArray secrets)
        {
            podSpec["imagePullSecrets"] = new JsonArray([.. secrets.Select(s => s is JsonValue name && name.TryGetValue<string>(out var text) ? new JsonObject { ["name"] = text } : s?.DeepClone())]);
        }

        if (podSpec["containers"] is not JsonArray { Count: > 0 } containers)
        {
            throw new SubmissionException("job_manifest has no containers (spec.template.spec.containers)");
        }

        var container = containers.OfType<JsonObject>().FirstOrDefault(c => Text(c["name"]) == KubernetesNames.DefaultContainer)
            ?? containers[0] as JsonObject
            ?? throw new SubmissionException("job_manifest's first container is not an object");
        if (Text(container["image"]) is null)
        {
            throw new SubmissionException("the job has no image: deploy the flow with an image, or set the 'image' job variable");
        }

        container["env"] = EnvironmentList(container["env"], configuration["env"], environment);
        if (container["command"] is JsonValue command && command.TryGetValue<string>(out var commandLine))
        {
            var arguments = CommandLine.Split(commandLine);
            if (arguments.Count > 0)
            {
                container["command"] = new JsonArray([.. arguments.Select(a => JsonValue.Create(a))]);
            }
            else
            {
                container.Remove("command");
            }
        }

        if (container["resources"] is JsonObject resources)
        {
            foreach (var section in resources.Where(r => r.Value is JsonObject { Count: 0 }).Select(r => r.Key).ToList())
            {
                resources.Remove(section);
            }

            if (resources.Count == 0)
            {
                container.Remove("resources");
            }
        }

        return manifest;
    }

    /// <summary>The manifest as the typed Job the client sends; a value of the wrong type is a <see cref="SubmissionException"/>.</summary>
    /// <param name="manifest">A Job from <see cref="Build"/>.</param>
    /// <returns>The typed Job.</returns>
    public static V1Job ToJob(JsonObject manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        try
        {
            return KubernetesJson.Deserialize<V1Job>(manifest.ToJsonString());
        }
        catch (JsonException ex)
        {
            throw new SubmissionException($"job_manifest is not a valid batch/v1 Job: {ex.Message}", ex);
        }
    }

    /// <summary>JSON as block YAML, the way kubectl shows manifests; strings that would read as another type are quoted.</summary>
    /// <param name="node">Any JSON.</param>
    /// <returns>The YAML text.</returns>
    public static string ToYaml(JsonNode? node)
    {
        var stream = new YamlStream(new YamlDocument(ToYamlNode(node)));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        var yaml = writer.ToString();
        // YamlDotNet ends a document with "..."; kubectl does not.
        return yaml.EndsWith("...\n", StringComparison.Ordinal) ? yaml[..^4] : yaml;
    }

    private static YamlNode ToYamlNode(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var mapping = new YamlMappingNode();
                foreach (var (key, value) in obj)
                {
                    mapping.Add(new YamlScalarNode(key), ToYamlNode(value));
                }

                return mapping;
            case JsonArray array:
                return new YamlSequenceNode(array.Select(ToYamlNode));
            case null:
                return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
            default:
                var scalar = node.AsValue();
                if (scalar.GetValueKind() == JsonValueKind.String)
                {
                    var text = scalar.GetValue<string>();
                    return new YamlScalarNode(text) { Style = ReadsAsOtherType(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any };
                }

                return new YamlScalarNode(node.ToJsonString()) { Style = ScalarStyle.Plain };
        }
    }

    private static bool ReadsAsOtherType(string text) => text.Length == 0 || OtherTypePattern().IsMatch(text);

    [GeneratedRegex(@"^(?:[-+]?[0-9][0-9_.eE+-]*|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|-\.inf|\.nan|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$")]
    private static partial Regex OtherTypePattern();

    private static JsonArray EnvironmentList(JsonNode? containerEnv, JsonNode? envVariable, IReadOnlyDictionary<string, string?> environment)
    {
        // Layers, later wins: the standard variables, the env variable, then an env object written in the manifest itself.
        var values = new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        foreach (var layer in (ReadOnlySpan<JsonNode?>)[envVariable, containerEnv])
        {
            if (layer is JsonObject variables)
            {
                foreach (var (name, value) in variables)
                {
                    values[name] = value switch
                    {
                        null => null,
                        JsonValue text when text.TryGetValue<string>(out var s) => s,
                        _ => value.ToJsonString(),
                    };
                }
            }
        }

        // A list in the manifest (valueFrom: secretKeyRef and the like) is kept as it is and wins by name.
        var list = new JsonArray();
        var named = new HashSet<string>(StringComparer.Ordinal);
        if (containerEnv is JsonArray entries)
        {
            foreach (var entry in entries)
            {
                list.Add(entry?.DeepClone());
                if (Text(entry?["name"]) is { } name)
                {
                    named.Add(name);
                }
            }
        }

        foreach (var (name, value) in values.Where(v => v.Value is not null && !named.Contains(v.Key)).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            list.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }

        return list;
    }

    private static void AddLabels(JsonObject metadata, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count == 0)
        {
            return;
        }

        var target = ObjectAt(metadata, "labels");
        var annotations = ObjectAt(metadata, "annotations");
        foreach (var (key, value) in labels)
        {
            target[key] = KubernetesNames.LabelValue(value);
            annotations[key] = value;
        }
    }

    private static JsonObject ObjectAt(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject existing)
        {
            return existing;
        }

        if (parent[key] is not null)
        {
            throw new SubmissionException($"job_manifest: '{key}' must be an object, not {parent[key]!.GetValueKind()}");
        }

        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) ? text : null;
}
