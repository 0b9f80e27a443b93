using System.CommandLine;

namespace Bosun.Cli.Output;

/// <summary>The `--output table|json` option of listings and inspections.</summary>
internal static class OutputOption
{
    public const string Json = "json";
    public const string Table = "table";

    public static Option<string> Create()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "table (for people, the default) or json (the API's JSON on stdout, nothing else).",
            DefaultValueFactory = _ => Table,
            HelpName = "table|json",
        };
        option.AcceptOnlyFromAmong(Table, Json);
        return option;
    }

    public static bool IsJson(this ParseResult parseResult, Option<string> option) =>
        string.Equals(parseResult.GetValue(option), Json, StringComparison.Ordinal);
}
