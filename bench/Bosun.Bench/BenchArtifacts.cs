namespace Bosun.Bench;

/// <summary>
/// The built programs the benchmarks start as child processes: beside this one in the same configuration, or, with
/// BOSUN_BENCH_PUBLISHED naming a folder, the ones published into its subfolders (`bosun/bosun.dll`,
/// `Bosun.Bench.Peers.Bosun/Bosun.Bench.Peers.Bosun.dll`, ...; bench/publish.sh makes it, ReadyToRun as users deploy
/// them). A program not published there is taken from the build output.
/// </summary>
internal static class BenchArtifacts
{
    public static string Configuration => AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>The `bosun` CLI (src/Bosun.Cli).</summary>
    public static string CliDll => Published("bosun") ??
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Bosun.Cli", "bin", Configuration, "net10.0", "bosun.dll"));

    /// <summary>A program of bench/ by its project name.</summary>
    public static string BenchDll(string project) => Published(project) ??
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", project, "bin", Configuration, "net10.0", project + ".dll"));

    private static string? Published(string name) =>
        Environment.GetEnvironmentVariable("BOSUN_BENCH_PUBLISHED") is { Length: > 0 } folder &&
        Path.GetFullPath(Path.Combine(folder, name, name + ".dll")) is var dll && File.Exists(dll)
            ? dll
            : null;
}
