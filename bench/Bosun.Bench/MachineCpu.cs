namespace Bosun.Bench;

/// <summary>
/// CPU time the whole machine spent busy (Linux /proc/stat), for throughput figures: the bench, the servers and the
/// database share the cores, so CPU per run says what a run costs, even when wall-clock throughput is noisy.
/// </summary>
internal readonly record struct MachineCpu(long BusyTicks, long StealTicks, TimeSpan ProcessCpu)
{
    /// <summary>USER_HZ: /proc/stat counts in hundredths of a second on Linux.</summary>
    private const double TicksPerSecond = 100;

    public static MachineCpu Now()
    {
        var processCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        if (!File.Exists("/proc/stat"))
        {
            return new MachineCpu(0, 0, processCpu);
        }

        // cpu user nice system idle iowait irq softirq steal ...
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6];
        return new MachineCpu(busy, fields.Length > 7 ? fields[7] : 0, processCpu);
    }

    /// <summary>Milliseconds of CPU the whole machine spent busy from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public static double BusyMs(MachineCpu start, MachineCpu end) => (end.BusyTicks - start.BusyTicks) * 1000 / TicksPerSecond;

    /// <summary>"machine CPU 2.10 ms per run (1.40 in this process), 1.90 of 2 cores busy" for the time since <paramref name="start"/>.</summary>
    public static string PerRun(MachineCpu start, int runs, TimeSpan elapsed)
    {
        var end = Now();
        var busySeconds = (end.BusyTicks - start.BusyTicks) / TicksPerSecond;
        var steal = (end.StealTicks - start.StealTicks) / TicksPerSecond;
        var processMs = (end.ProcessCpu - start.ProcessCpu).TotalMilliseconds;
        return $"machine CPU {busySeconds * 1000 / Math.Max(1, runs):0.00} ms per run ({processMs / Math.Max(1, runs):0.00} in this process), " +
            $"{busySeconds / elapsed.TotalSeconds:0.00} of {Environment.ProcessorCount} cores busy" +
            (steal > 0.5 ? $", {steal:0.0} s stolen by the hypervisor" : "");
    }
}
