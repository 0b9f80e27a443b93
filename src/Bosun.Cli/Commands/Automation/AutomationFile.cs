using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bosun.Cli.Commands.Automation;

/// <summary>
/// An automation written as a YAML (or JSON) file, shaped as the API's body: name, description, enabled, trigger,
/// actions, with the API's snake_case field names. YAML scalars become JSON numbers, booleans and null where they read
/// as such (plain, unquoted), else strings.
/// </summary>
internal static class AutomationFile
{
    public static AutomationCreate Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read the automation file '{path}': {ex.Message}", ex);
        }

        JsonNode? json;
        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            json = yaml.Documents.Count == 0 ? null : ToJson(yaml.Documents[0].RootNode);
        }
        catch (YamlException ex)
        {
            throw new CliException($"The automation file '{path}' is not valid YAML: {ex.Message}", ex);
        }

        if (json is not JsonObject)
        {
            throw new CliException($"The automation file '{path}' must hold one mapping with name, trigger and actions.");
        }

        try
        {
            return json.Deserialize(BosunJsonContext.Default.AutomationCreate)
                ?? throw new CliException($"The automation file '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new CliException($"The automation file '{path}' does not describe an automation: {ex.Message}", ex);
        }
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value ?? "", ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar => Plain(scalar.Value),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => null,
    };

    private static JsonValue? Plain(string? value) => value switch
    {
        null or "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };
}
