using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Cli.Input;

/// <summary>JSON objects the user types (<c>--params</c>) or points at (<c>--base-job-template FILE</c>), with errors that say where.</summary>
internal static class JsonInput
{
    public static JsonObject ParseObject(string text, string what) =>
        Parse(text, what) as JsonObject ?? throw new CliException($"{what} must be a JSON object ({{...}}), not {Describe(JsonNode.Parse(text))}.");

    public static JsonArray ParseArray(string text, string what) =>
        Parse(text, what) as JsonArray ?? throw new CliException($"{what} must be a JSON array ([...]), not {Describe(JsonNode.Parse(text))}.");

    private static JsonNode? Parse(string text, string what)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new CliException($"{what} is not valid JSON: {ex.Message}", ex);
        }
    }

    public static JsonObject ReadObjectFile(string path, string optionName)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read {optionName} file '{path}': {ex.Message}", ex);
        }

        return ParseObject(text, $"The {optionName} file '{path}'");
    }

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };
}
