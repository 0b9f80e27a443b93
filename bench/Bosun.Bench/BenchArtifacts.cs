namespace Bosun.Bench;

/// <summary>The built programs the benchmarks start as child processes, beside this one in the same configuration.</summary>
internal static class BenchArtifacts
{
    public static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The `bosun` CLI (src/Bosun.Cli).</summary>
    public static string CliDll => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Bosun.Cli", "bin", Configuration, "net10.0", "bosun.dll"));

    /// <summary>A program of bench/ by its project name.</summary>
    public static string BenchDll(string project) =>
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", project, "bin", Configuration, "net10.0", project + ".dll"));
}
