using System.Globalization;

namespace Bosun.Bench;

/// <summary>The CPU one process has used (user + system), from /proc/PID/stat: what a figure costs that process alone.</summary>
internal static class ProcessCpu
{
    /// <summary>Milliseconds of CPU used by <paramref name="pid"/> so far (fields 14 and 15, in USER_HZ = 100 ticks a second), or 0 once it has gone.</summary>
    public static double Ms(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
