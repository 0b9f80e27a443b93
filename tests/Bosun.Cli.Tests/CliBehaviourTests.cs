using System.CommandLine;

namespace Bosun.Cli.Tests;

/// <summary>What every command shares: help with examples, parse errors, completion.</summary>
public sealed class CliBehaviourTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string> CommandPaths() => new(AllCommandPaths());

    private static List<string> AllCommandPaths()
    {
        using var output = new StringWriter();
        return Walk(BosunCli.BuildRoot(new CliContext(output, output, _ => null, TimeProvider.System, interactive: false)), []).ToList();
    }

    private static IEnumerable<string> Walk(Command command, List<string> prefix)
    {
        foreach (var child in command.Subcommands)
        {
            var path = prefix.Append(child.Name).ToList();
            if (child.Subcommands.Count == 0)
            {
                yield return string.Join(' ', path);
            }

            foreach (var descendant in Walk(child, path))
            {
                yield return descendant;
            }
        }
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task Help_EveryCommand_UsageAndExample(string path)
    {
        var result = (await _cli.RunAsync([.. path.Split(' '), "--help"])).Succeeded();

        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
        if (!path.StartsWith("server", StringComparison.Ordinal) && !path.StartsWith("worker", StringComparison.Ordinal))
        {
            Assert.Contains($"  bosun {path}", result.Out[result.Out.IndexOf("Example", StringComparison.Ordinal)..], StringComparison.Ordinal);
        }
    }

    private static readonly string[] WorkPoolCommands =
        ["create", "ls", "inspect", "pause", "resume", "update", "delete", "set-concurrency-limit", "clear-concurrency-limit", "get-default-base-job-template", "preview"];

    private static readonly string[] WorkQueueCommands =
        ["create", "ls", "inspect", "pause", "resume", "update", "delete", "set-concurrency-limit", "clear-concurrency-limit", "preview"];

    private static readonly string[] DeploymentCommands = ["ls", "inspect", "run", "delete", "pause", "resume", "preview-job"];

    private static readonly string[] FlowRunCommands = ["ls", "inspect", "logs", "cancel", "retry", "delete", "watch"];

    [Fact]
    public void CommandTree_HasSpecSurface()
    {
        var paths = AllCommandPaths();

        var expected = new List<string> { "server start", "config set", "config view", "config unset" };
        expected.AddRange(WorkPoolCommands.Select(command => $"work-pool {command}"));
        expected.AddRange(WorkQueueCommands.Select(command => $"work-queue {command}"));
        expected.AddRange(DeploymentCommands.Select(command => $"deployment {command}"));
        expected.AddRange(FlowRunCommands.Select(command => $"flow-run {command}"));
        Assert.Empty(expected.Except(paths));
    }

    [Fact]
    public async Task UnknownCommand_OneLineErrorExitOne()
    {
        (await _cli.RunAsync("work-pools", "ls")).FailedWith("work-pools", "bosun --help");
    }

    [Fact]
    public async Task GroupWithoutSubcommand_OneLineErrorPointsToHelp()
    {
        (await _cli.RunAsync("work-pool")).FailedWith("bosun work-pool --help");
    }

    [Fact]
    public async Task BadOptionValue_OneLineErrorExitOne()
    {
        (await _cli.RunAsync("flow-run", "ls", "--limit", "lots")).FailedWith("'lots'", "--limit", "bosun flow-run ls --help");
    }

    [Fact]
    public async Task OutputOption_UnknownFormat_Fails()
    {
        (await _cli.RunAsync("work-pool", "ls", "--output", "yaml")).FailedWith("yaml");
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _bosun_complete bosun")]
    [InlineData("zsh", "compdef _bosun bosun")]
    public async Task Completion_Shell_PrintsScriptUsingSuggestDirective(string shell, string registration)
    {
        var result = (await _cli.RunAsync("completion", shell)).Succeeded();

        Assert.Contains(registration, result.Out, StringComparison.Ordinal);
        Assert.Contains("[suggest:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_UnknownShell_Fails()
    {
        (await _cli.RunAsync("completion", "fish")).FailedWith("fish");
    }

    [Theory]
    [InlineData(" work-p", "work-pool")]
    [InlineData(" work-pool create x --type ", "docker")]
    [InlineData(" flow-run l", "logs")]
    public async Task SuggestDirective_AsTheScriptCallsIt_CompletesWords(string line, string expected)
    {
        var result = (await _cli.RunAsync($"[suggest:{line.Length}]", line)).Succeeded();

        Assert.Contains(expected, result.Out.Split('\n', StringSplitOptions.TrimEntries));
    }
}
