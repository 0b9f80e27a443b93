using Bosun.Contracts.Results;

namespace Bosun.Cli.Output;

/// <summary>A run's result for a details grid: its JSON, cut after 2,000 characters (the API and --output json give it whole).</summary>
internal static class ResultText
{
    private const int Shown = 2_000;

    public static string Of(RunResult result)
    {
        var json = result.Value is null ? "null" : JsonOutput.Format(result.Value);
        var where = result.StoredByReference ? $" (stored by reference, {result.SizeBytes:N0} bytes)" : "";
        return json.Length > Shown ? $"{json[..Shown]}... ({result.SizeBytes:N0} bytes{where})" : json + where;
    }
}
