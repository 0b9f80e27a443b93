using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Bosun.Cli;

/// <summary>
/// `--help` as System.CommandLine writes it, followed by the command's examples. The examples are not in the description,
/// so listings of subcommands stay one line each.
/// </summary>
internal sealed class CommandHelp(HelpAction inner) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public static void AddExamplesTo(RootCommand root)
    {
        if (root.Options.OfType<HelpOption>().FirstOrDefault() is { Action: HelpAction help } option)
        {
            option.Action = new CommandHelp(help);
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        var result = inner.Invoke(parseResult);
        if (parseResult.CommandResult.Command is BosunCommand { Examples.Count: > 0 } command)
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(command.Examples.Count == 1 ? "Example:" : "Examples:");
            foreach (var example in command.Examples)
            {
                output.WriteLine($"  {example}");
            }

            output.WriteLine();
        }

        return result;
    }
}
