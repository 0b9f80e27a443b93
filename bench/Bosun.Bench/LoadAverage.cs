using System.Globalization;

namespace Bosun.Bench;

/// <summary>The machine's 1-minute load average (/proc/loadavg): how busy the shared machine was during a figure.</summary>
internal static class LoadAverage
{
    public static double OneMinute() =>
        File.Exists("/proc/loadavg")
            ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
            : double.NaN;
}
