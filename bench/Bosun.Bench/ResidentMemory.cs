using System.Globalization;

namespace Bosun.Bench;

/// <summary>A process's resident set (VmRSS in /proc/PID/status), the memory figure of the benchmarks.</summary>
internal static class ResidentMemory
{
    public static double MiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return double.NaN;
        }
    }
}
