using Bosun.Contracts.Results;

namespace Bosun.Cli.Output;

/// <summary>
/// A run's result for a details grid: its JSON, cut after 2,000 characters (the API and --output json give it whole),
/// followed by the serializer that wrote it; a <c>gzip-json</c> result is shown decoded (its stored form is a base64 string).
/// </summary>
internal static class ResultText
{
    private const int Shown = 2_000;

    public static string Of(RunResult result)
    {
        var (value, decoded) = result.Readable();
        var json = value is null ? "null" : JsonOutput.Format(value);
        var notes = decoded ? $"serializer {result.Serializer}, shown decoded" : $"serializer {result.Serializer}";
        if (result.StoredByReference)
        {
            notes += $"; stored by reference, {result.SizeBytes:N0} bytes";
        }

        return json.Length > Shown ? $"{json[..Shown]}... ({result.SizeBytes:N0} bytes; {notes})" : $"{json} ({notes})";
    }
}
