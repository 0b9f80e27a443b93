using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts.Results;

namespace Bosun.Cli.Output;

/// <summary>
/// A run's result for a details grid: its JSON, cut after 2,000 characters (the API and --output json give it whole),
/// followed by the serializer that wrote it; a <c>gzip-json</c> result is shown decoded (its stored form is a base64 string).
/// </summary>
internal static class ResultText
{
    private const int Shown = 2_000;

    /// <summary>The stored name of the SDK's gzip-compressed JSON serializer.</summary>
    public const string GzipJson = "gzip-json";

    public static string Of(RunResult result)
    {
        var (value, decoded) = Readable(result);
        var json = value is null ? "null" : JsonOutput.Format(value);
        var notes = decoded ? $"serializer {result.Serializer}, shown decoded" : $"serializer {result.Serializer}";
        if (result.StoredByReference)
        {
            notes += $"; stored by reference, {result.SizeBytes:N0} bytes";
        }

        return json.Length > Shown ? $"{json[..Shown]}... ({result.SizeBytes:N0} bytes; {notes})" : $"{json} ({notes})";
    }

    /// <summary>The value to show: a gzip-json result decoded to its JSON (true), any other as stored (false, also when it does not decode).</summary>
    public static (JsonNode? Value, bool Decoded) Readable(RunResult result)
    {
        if (result.Serializer != GzipJson || result.Value?.GetValueKind() != JsonValueKind.String)
        {
            return (result.Value, false);
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(result.Value.GetValue<string>())), CompressionMode.Decompress);
            return (JsonNode.Parse(gzip), true);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or JsonException)
        {
            return (result.Value, false);
        }
    }
}
