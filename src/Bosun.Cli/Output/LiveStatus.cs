using Spectre.Console;

namespace Bosun.Cli.Output;

/// <summary>A spinner with a status line while a command waits, when stdout is a terminal; otherwise just the work.</summary>
internal static class LiveStatus
{
    /// <param name="context">The command's context.</param>
    /// <param name="status">The first status text (plain text, not markup).</param>
    /// <param name="work">The waiting work; it gets a callback that changes the status text.</param>
    public static async Task<T> RunAsync<T>(CliContext context, string status, Func<Action<string>, Task<T>> work)
    {
        if (!context.Console.Profile.Capabilities.Interactive)
        {
            return await work(_ => { });
        }

        return await context.Console.Status()
            .Spinner(Spinner.Known.Dots)
            .SpinnerStyle(new Style(Color.Yellow))
            .StartAsync(status.EscapeMarkup(), statusContext => work(text => statusContext.Status(text.EscapeMarkup())));
    }
}
