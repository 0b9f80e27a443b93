using System.Diagnostics;
using System.Globalization;

namespace Bosun.Testing;

/// <summary>Signals to real processes with kill(1): stop, continue and kill one process, or a whole process group.</summary>
public static class Signals
{
    /// <summary>Sends <paramref name="signal"/> (KILL, STOP, CONT, TERM) to <paramref name="pid"/>, or to its process group when <paramref name="group"/>.</summary>
    public static async Task SendAsync(int pid, string signal, bool group = false)
    {
        var info = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add($"-{signal}");
        info.ArgumentList.Add("--");
        info.ArgumentList.Add((group ? -pid : pid).ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(info)!;
        var error = await kill.StandardError.ReadToEndAsync();
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0 && !error.Contains("No such process", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed: {error}");
        }
    }
}
