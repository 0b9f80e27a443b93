using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bosun.Cli.Commands.Deploy;

/// <summary>
/// A <c>bosun.yaml</c> read into JSON and checked against the published schema (docs/bosun.schema.json, embedded):
/// every mistake is reported at once, each with the line it is on, as <c>bosun.yaml:12: deployments[0].work_pool: …</c>.
/// </summary>
internal sealed class BosunYaml
{
    public const string DefaultFileName = "bosun.yaml";

    private static readonly Lazy<JsonSchema> Schema = new(() =>
    {
        using var stream = typeof(BosunYaml).Assembly.GetManifestResourceStream("bosun.schema.json")
            ?? throw new InvalidOperationException("bosun.schema.json is not embedded in the CLI.");
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(reader.ReadToEnd(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    });

    /// <summary>Top-level sections every deployment without its own takes.</summary>
    private static readonly string[] SharedSections = ["pull", "build", "push"];

    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    private BosunYaml(string path) => Path = path;

    /// <summary>The file, as given.</summary>
    public string Path { get; }

    /// <summary>The folder relative paths in the file start from.</summary>
    public string Directory => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;

    /// <summary>The deployments, each with the file's top-level <c>pull</c> and <c>build</c> when it has none of its own.</summary>
    public IReadOnlyList<JsonObject> Deployments { get; private set; } = [];

    /// <summary>Reads and checks <paramref name="path"/>; a <see cref="CliException"/> lists every problem with its line.</summary>
    public static BosunYaml Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path} not found: write one with `bosun init`, or name it with --file.");
        }

        var file = new BosunYaml(path);
        JsonNode? document;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            document = stream.Documents.Count == 0 ? null : file.ToJson(stream.Documents[0].RootNode, "");
        }
        catch (YamlException ex)
        {
            throw new CliException($"{path}:{ex.Start.Line}: {ex.InnerException?.Message ?? ex.Message}");
        }

        var errors = file.Check(document);
        if (errors.Count > 0)
        {
            throw new CliException($"{path} is not a valid bosun.yaml ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}): " + string.Join("; ", errors));
        }

        var root = document!.AsObject();
        file.Deployments = root["deployments"]!.AsArray().Select(entry =>
        {
            var deployment = (JsonObject)entry!.DeepClone();
            foreach (var shared in SharedSections)
            {
                if (deployment[shared] is null && root[shared] is { } value)
                {
                    deployment[shared] = value.DeepClone();
                }
            }

            return deployment;
        }).ToList();
        return file;
    }

    private List<string> Check(JsonNode? document)
    {
        using var json = JsonDocument.Parse(document?.ToJsonString() ?? "null");
        var results = Schema.Value.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = new List<(int Line, string Message)>();
        if (!results.IsValid)
        {
            foreach (var detail in results.Details ?? [])
            {
                var pointer = detail.InstanceLocation.ToString();
                foreach (var (_, message) in detail.Errors ?? new Dictionary<string, string>())
                {
                    // additionalProperties: false fails the property itself with the false schema's words; say what it is.
                    var text = message.Contains("false schema", StringComparison.OrdinalIgnoreCase)
                        ? $"'{pointer[(pointer.LastIndexOf('/') + 1)..]}' is not allowed here"
                        : message;
                    errors.Add((LineOf(pointer), $"{Readable(pointer)}{text}"));
                }
            }
        }

        if (document?["deployments"] is JsonArray deployments)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < deployments.Count; i++)
            {
                if (deployments[i] is JsonObject deployment && $"{deployment["flow"]}/{deployment["name"]}" is var fullName && !seen.Add(fullName))
                {
                    errors.Add((LineOf($"/deployments/{i}"), $"deployments[{i}]: '{fullName}' is deployed twice in this file"));
                }
            }
        }

        return errors.Distinct().OrderBy(error => error.Line).Select(error => $"{Path}:{error.Line}: {error.Message}").ToList();
    }

    /// <summary>The line of the value at <paramref name="pointer"/>, or of the nearest value around it.</summary>
    private int LineOf(string pointer)
    {
        for (var at = pointer; ; at = at[..at.LastIndexOf('/')])
        {
            if (_lines.TryGetValue(at, out var line))
            {
                return line;
            }

            if (at.Length == 0)
            {
                return 1;
            }
        }
    }

    private static string Readable(string pointer) =>
        pointer.Length == 0 ? "" : string.Concat(pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select((part, i) => int.TryParse(part, CultureInfo.InvariantCulture, out _) ? $"[{part}]" : i == 0 ? part : $".{part}")) + ": ";

    private JsonNode? ToJson(YamlNode node, string pointer)
    {
        _lines[pointer] = (int)node.Start.Line;
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = (key as YamlScalarNode)?.Value ?? throw new CliException($"{Path}:{key.Start.Line}: a key must be plain text");
                    if (obj.ContainsKey(name))
                    {
                        throw new CliException($"{Path}:{key.Start.Line}: '{name}' is given twice");
                    }

                    obj[name] = ToJson(value, $"{pointer}/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}");
                }

                return obj;
            case YamlSequenceNode sequence:
                return new JsonArray(sequence.Children.Select((item, i) => ToJson(item, $"{pointer}/{i}")).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new CliException($"{Path}:{node.Start.Line}: aliases are not supported here");
        }
    }

    /// <summary>YAML 1.2 core schema for plain scalars; anything quoted is text.</summary>
    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !double.IsNaN(number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }
}
