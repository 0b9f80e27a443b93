using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Cli.Input;

/// <summary>
/// Repeated <c>key=value</c> options (<c>--param</c>, <c>--job-variable</c>): the value is read as JSON when it is JSON
/// (<c>n=3</c>, <c>flag=true</c>, <c>tags=["a"]</c>), else taken as a string (<c>repo=dotnet/runtime</c>).
/// </summary>
internal static class KeyValueArguments
{
    public static JsonObject Parse(IEnumerable<string>? pairs, string optionName, JsonObject? into = null)
    {
        var result = into ?? [];
        foreach (var pair in pairs ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"{optionName} '{pair}' is not key=value; write it as {optionName} name=value.");
            }

            result[pair[..equals].Trim()] = ParseValue(pair[(equals + 1)..]);
        }

        return result;
    }

    public static JsonNode? ParseValue(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
