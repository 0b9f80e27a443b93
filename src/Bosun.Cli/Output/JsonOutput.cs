using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Bosun.Cli.Output;

/// <summary>`--output json`: the API's own snake_case shape (from BosunJsonContext), indented, and nothing else on stdout.</summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Read by programs and people in a terminal, never embedded in HTML: keep '+', quotes and accents readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write<T>(TextWriter output, T value, JsonTypeInfo<T> typeInfo) =>
        WriteNode(output, JsonSerializer.SerializeToNode(value, typeInfo));

    public static void WriteList<T>(TextWriter output, IEnumerable<T> items, JsonTypeInfo<T> typeInfo) =>
        WriteNode(output, new JsonArray(items.Select(item => JsonSerializer.SerializeToNode(item, typeInfo)).ToArray()));

    public static void WriteNode(TextWriter output, JsonNode? node)
    {
        output.WriteLine(Format(node));
        output.Flush();
    }

    public static string Format(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (node is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                node.WriteTo(writer);
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
