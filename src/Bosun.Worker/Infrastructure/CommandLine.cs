using System.Text;

namespace Bosun.Worker.Infrastructure;

/// <summary>Splits a command string into arguments the way a POSIX shell does for quotes and backslashes (no expansion).</summary>
internal static class CommandLine
{
    public static IReadOnlyList<string> Split(string command)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        var inArgument = false;
        char? quote = null;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else if (c == '\\' && q == '"' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`')
                {
                    current.Append(command[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inArgument = true;
            }
            else if (c == '\\' && i + 1 < command.Length)
            {
                current.Append(command[++i]);
                inArgument = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inArgument)
                {
                    arguments.Add(current.ToString());
                    current.Clear();
                    inArgument = false;
                }
            }
            else
            {
                current.Append(c);
                inArgument = true;
            }
        }

        if (quote is not null)
        {
            throw new SubmissionException($"the command has an unclosed {quote} quote: {command}");
        }

        if (inArgument)
        {
            arguments.Add(current.ToString());
        }

        return arguments;
    }

    /// <summary>
    /// The full path of <paramref name="program"/> (as given, relative to <paramref name="workingDirectory"/> when it has a
    /// slash, or found on PATH), or null.
    /// </summary>
    public static string? Resolve(string program, string? path, string? workingDirectory = null)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var full = workingDirectory is null ? Path.GetFullPath(program) : Path.GetFullPath(program, workingDirectory);
            return File.Exists(full) ? full : null;
        }

        foreach (var directory in (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
