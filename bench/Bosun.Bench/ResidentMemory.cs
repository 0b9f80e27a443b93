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

    /// <summary>
    /// What a .NET process's resident set is made of, from /proc/PID/smaps: the pages of mapped files (the runtime, the
    /// framework's and the application's assemblies, native libraries), the JIT's code and the runtime's executable
    /// stubs (the `doublemapper` memory file the runtime maps them from while W^X is on, its default), and anonymous
    /// memory (the garbage-collected heap, native allocations such as SQLite's page caches, thread stacks).
    /// </summary>
    public static ResidentParts Parts(int pid)
    {
        double files = 0, code = 0, anonymous = 0;
        try
        {
            var name = "";
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
            {
                // A mapping's header ("start-end perms offset dev inode [name]") or one of its fields ("Rss:  12 kB").
                var firstSpace = line.IndexOf(' ');
                if (firstSpace > 0 && line[firstSpace - 1] != ':')
                {
                    var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                    name = fields.Length > 5 ? fields[5].Trim() : "";
                }
                else if (line.StartsWith("Rss:", StringComparison.Ordinal))
                {
                    var kib = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    if (name.StartsWith("/memfd:doublemapper", StringComparison.Ordinal))
                    {
                        code += kib;
                    }
                    else if (name.StartsWith('/'))
                    {
                        files += kib;
                    }
                    else
                    {
                        anonymous += kib;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new ResidentParts(double.NaN, double.NaN, double.NaN);
        }

        return new ResidentParts(files / 1024, code / 1024, anonymous / 1024);
    }
}

/// <summary>A resident set in parts (MiB): mapped files, JIT code and stubs, anonymous memory.</summary>
internal sealed record ResidentParts(double Files, double Code, double Anonymous)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"files {Files:0}, JIT code {Code:0}, anonymous {Anonymous:0} MiB");
}
