using Bosun.Cli.Output;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Spectre.Console;

namespace Bosun.Cli.Tests;

/// <summary>The colours the issue asks for: states and statuses a person can read at a glance.</summary>
public sealed class StateStylesTests
{
    public static TheoryData<StateType, string> StateColours() => new()
    {
        { StateType.Completed, "green" },
        { StateType.Failed, "red" },
        { StateType.Crashed, "red" },
        { StateType.Running, "blue" },
        { StateType.Scheduled, "yellow" },
        { StateType.Pending, "yellow" },
        { StateType.Cancelled, "grey" },
        { StateType.Cancelling, "grey" },
    };

    [Theory]
    [MemberData(nameof(StateColours))]
    public void For_StateType_Colour(StateType type, string colour)
    {
        Assert.Equal(colour, StateStyles.For(type).ToMarkup());
    }

    [Theory]
    [InlineData(ReadinessStatus.Ready, "Ready", "green")]
    [InlineData(ReadinessStatus.NotReady, "Not ready", "red")]
    [InlineData(ReadinessStatus.Paused, "Paused", "grey")]
    public void Status_Readiness_LabelInColour(ReadinessStatus status, string label, string colour)
    {
        var rendered = Render(StateStyles.Status(status));

        Assert.Equal(Render(new Markup($"[{colour}]{label}[/]")), rendered);
        Assert.NotEqual(Render(new Text(label)), rendered);
    }

    [Theory]
    [InlineData(WorkerStatus.Online, "Online", "green")]
    [InlineData(WorkerStatus.Offline, "Offline", "red")]
    public void Status_Worker_LabelInColour(WorkerStatus status, string label, string colour)
    {
        Assert.Equal(Render(new Markup($"[{colour}]{label}[/]")), Render(StateStyles.Status(status)));
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.TrueColor,
        });
        console.Write(renderable);
        return output.ToString();
    }
}
