using System.Diagnostics;
using System.Text;

namespace Bosun.Shared;

/// <summary>
/// Runs a child program to its end with every line of its output and error streams handed to a callback as it comes:
/// stdin closed (nothing waits on a terminal), the whole process tree killed when cancelled. One source file compiled
/// into the worker (pull steps), the SDK (the image build's <c>dotnet publish</c>) and the CLI (<c>bosun deploy</c>'s
/// <c>dotnet run</c>), so the loop exists once.
/// </summary>
internal static class StreamedProcess
{
    /// <summary>
    /// Starts <paramref name="info"/> (its redirections are set here) and waits for its end. <paramref name="onLine"/>
    /// gets each line and whether it came from the error stream, possibly from two threads at once. Returns the exit
    /// code and, when <paramref name="keepOutput"/>, the standard output. A program that cannot be started throws the
    /// <see cref="System.ComponentModel.Win32Exception"/> of <see cref="Process.Start()"/>.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info, Action<string, bool> onLine, bool keepOutput, CancellationToken cancellationToken)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (keepOutput)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }

            onLine(e.Data, false);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onLine(e.Data, true);
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>
    /// Drops MSBuild's settings inherited from this process (which may itself run under <c>dotnet run</c>, a test host or
    /// a build): a child <c>dotnet publish</c> or <c>dotnet run</c> must use its own.
    /// </summary>
    public static void WithoutInheritedMSBuildSettings(ProcessStartInfo info)
    {
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "MSBUILD_EXE_PATH").ToList())
        {
            info.Environment.Remove(name);
        }
    }
}
