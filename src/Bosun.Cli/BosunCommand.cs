using System.CommandLine;

namespace Bosun.Cli;

/// <summary>A command with examples, which its `--help` prints after the options (see <see cref="CommandHelp"/>).</summary>
internal sealed class BosunCommand(string name, string description, params string[] examples) : Command(name, description)
{
    public IReadOnlyList<string> Examples { get; } = examples;
}
