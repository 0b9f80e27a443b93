using System.Reflection;

namespace Bosun.Sdk;

/// <summary>The command line that starts this executable again: the apphost, or `dotnet App.dll`.</summary>
internal static class ExecutableCommand
{
    public static IReadOnlyList<string> Arguments()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        var entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(entry)
            ? [process, entry]
            : [process];
    }

    /// <summary>The arguments as one command string, each single-quoted for the worker's command splitter.</summary>
    public static string CommandLine() => Quote(Arguments());

    /// <summary>Each argument single-quoted for the worker's command splitter, joined by spaces.</summary>
    public static string Quote(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(a => $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
}
