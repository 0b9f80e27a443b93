using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Contracts.Results;

/// <summary>The persisted return value of a flow run or a task run.</summary>
/// <param name="Value">The value as JSON (absent when the value was null).</param>
/// <param name="SizeBytes">Size of its JSON text in UTF-8 bytes.</param>
/// <param name="StoredByReference">True when it was too large for the database row and is kept in the server's result folder.</param>
public sealed record RunResult(JsonNode? Value, long SizeBytes, bool StoredByReference)
{
    /// <summary>The stored name of the SDK's gzip-compressed JSON serializer: its value is a base64 string of gzip-compressed JSON.</summary>
    public const string GzipJsonSerializer = "gzip-json";

    /// <summary>The serializer that wrote <see cref="Value"/>: <c>json</c> (the value itself) or another the SDK names, such as <c>gzip-json</c>.</summary>
    public string Serializer { get; init; } = "json";

    /// <summary>
    /// The value for a person to read (the CLI's and the web UI's one decoding): a <c>gzip-json</c> result decoded to its
    /// JSON (<c>Decoded</c> true); any other as stored (false, also when a <c>gzip-json</c> value does not decode).
    /// </summary>
    public (JsonNode? Value, bool Decoded) Readable()
    {
        if (Serializer != GzipJsonSerializer || Value?.GetValueKind() != JsonValueKind.String)
        {
            return (Value, false);
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(Value.GetValue<string>())), CompressionMode.Decompress);
            return (JsonNode.Parse(gzip), true);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or JsonException)
        {
            return (Value, false);
        }
    }
}
